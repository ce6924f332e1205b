/* The intake page (受理登记): keyboard shortcuts, the category picker, quoting the knowledge base, the screen pop.
   Everything the server needs still goes through the form; this only saves the operator keystrokes. */
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  if (!form) { return; }
  var $ = function (id) { return document.getElementById(id); };
  var answerBox = $("answer-box");
  var saving = false;  // the form has been sent: see "One save per showing of the page" below

  function firstErrorField() {
    var field = form.querySelector(".field--error input:not([type=hidden]), .field--error select, .field--error textarea");
    if (field) { return field; }
    if (form.querySelector("#id_category_error")) { return $("id_category_q"); }
    if (form.querySelector("#id_answer_error")) { answerBox.open = true; return $("id_answer"); }
    return null;
  }

  // After a failed save, start where the first message is; on a fresh form the phone field has the focus.
  var wrong = firstErrorField();
  if (wrong) { wrong.focus(); }

  function submitWith(action) {
    var button = form.querySelector('button[data-action="' + action + '"]');
    if (form.requestSubmit) { form.requestSubmit(button); } else { button.click(); }
  }

  // Ctrl+Enter (⌘+Enter on a Mac) sends the order to dispatch from anywhere on the page.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.isComposing && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (!saving) { submitWith("dispatch"); }
    }
  });

  // Alt+letter for the page's own access keys, the same in every browser (Firefox wants Alt+Shift for accesskey,
  // and a Chinese input method may swallow it). The menu's keys are left to the browser.
  document.addEventListener("keydown", function (event) {
    if (!event.altKey || event.ctrlKey || event.metaKey || !/^Key[A-Z]$/.test(event.code)) { return; }
    var key = event.code.slice(3).toLowerCase();
    var target = document.querySelector('.grid--intake [accesskey="' + key + '"]');
    if (!target) { return; }
    event.preventDefault();
    if (target.tagName === "BUTTON") { target.click(); } else { target.focus(); }
  });

  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.isComposing || event.ctrlKey || event.metaKey) { return; }
    var target = event.target;
    if (target.id === "id_category_q") {
      // Enter in the category search takes the first result.
      event.preventDefault();
      var first = $("category-results").querySelector("button");
      if (first) { first.click(); }
      return;
    }
    // Enter in a one-line field must not save half an order in the middle of a call.
    if (target.tagName === "INPUT" && target.type !== "submit" && target.type !== "button") {
      event.preventDefault();
    }
  });

  // One save per showing of the page: once the form is sent, the save buttons and Ctrl+Enter do nothing until the
  // answer replaces the page (a refused save comes back as a new page, working again). The server holds the same
  // line with the form's once-only token; this spares the operator its warning.
  var saveButtons = form.querySelectorAll("button[data-action]");

  function setSaving(on) {
    saving = on;
    saveButtons.forEach(function (button) { button.disabled = on; });
    var hint = $("answer-hint");
    hint.textContent = on ? (hint.getAttribute("data-saving") || "正在保存…") : "";
  }

  form.addEventListener("submit", function (event) {
    if (saving) { event.preventDefault(); return; }
    // 直接办结 needs the answer given on the call: open the box and ask for it instead of sending an empty one.
    var submitter = event.submitter;
    if (submitter && submitter.getAttribute("data-action") === "answer" && !$("id_answer").value.trim()) {
      event.preventDefault();
      answerBox.open = true;
      $("answer-hint").textContent = answerBox.getAttribute("data-need-answer") || "请先填写答复内容，再直接办结。";
      $("id_answer").focus();
      return;
    }
    saving = true;
    // Disabled after this event: a button disabled now would leave its action out of the form being sent.
    setTimeout(function () { setSaving(true); }, 0);
  });
  // Back to this page from the browser's history: it is usable again (the server still refuses a second save).
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { setSaving(false); }
  });

  // The enterprise's name and credit code only for an enterprise's request.
  var enterprise = $("id_caller_is_enterprise");
  var enterpriseFields = form.querySelector("[data-enterprise]");
  if (enterprise && enterpriseFields) {
    enterprise.addEventListener("change", function () {
      enterpriseFields.hidden = !enterprise.checked;
      if (enterprise.checked) { $("id_enterprise_name").focus(); }
    });
  }

  // A known enterprise's name fills the name field the operator has left empty (the profile spells it).
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target.id !== "enterprise-panel") { return; }
    var known = event.detail.target.querySelector("[data-enterprise-name]");
    var name = $("id_enterprise_name");
    if (known && name && !name.value.trim()) { name.value = known.getAttribute("data-enterprise-name"); }
  });

  // --- The category picker --------------------------------------------------------------------------------------
  var results = $("category-results");
  var search = $("id_category_q");

  function choose(button) {
    $("id_category").value = button.getAttribute("data-category-id");
    var chosen = $("category-chosen");
    chosen.textContent = "";
    var strong = document.createElement("strong");
    strong.textContent = button.getAttribute("data-category-path");
    chosen.appendChild(document.createTextNode((chosen.getAttribute("data-prefix") || "已选：")));
    chosen.appendChild(strong);
    var picker = search.closest(".field");
    picker.classList.remove("field--error");
    var error = $("id_category_error");
    if (error) { error.remove(); }
    results.innerHTML = "";
    search.value = "";
    // Next in the form after the category.
    var next = form.querySelector(".hot-topics input") || $("id_town");
    if (next) { next.focus(); }
  }

  results.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-category-id]");
    if (button) { choose(button); }
  });

  // 智能建议: a suggested category is chosen as from the picker; a suggested appeal type or urgency sets its select.
  var suggestions = $("suggestions-panel");
  if (suggestions) {
    suggestions.addEventListener("click", function (event) {
      var category = event.target.closest("button[data-category-id]");
      if (category) { choose(category); return; }
      var type = event.target.closest("button[data-appeal-type-id]");
      if (type) {
        $("id_appeal_type").value = type.getAttribute("data-appeal-type-id");
        $("id_appeal_type").dispatchEvent(new Event("change", { bubbles: true }));
      }
      var urgency = event.target.closest("button[data-urgency-id]");
      if (urgency) {
        $("id_urgency").value = urgency.getAttribute("data-urgency-id");
        $("id_urgency").dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }

  // The list is one Tab stop (a roving tabindex): the arrows move the focus, and the Tab stop with it.
  function moveIn(list, current, step) {
    var buttons = Array.prototype.slice.call(list.querySelectorAll("button"));
    var at = buttons.indexOf(current);
    var next = buttons[at + step];
    if (next) {
      buttons.forEach(function (button) { button.tabIndex = -1; });
      next.tabIndex = 0;
      next.focus();
    } else if (step < 0) { search.focus(); }
  }

  search.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown") {
      var first = results.querySelector("button");
      if (first) { event.preventDefault(); first.focus(); }
    }
  });
  results.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      moveIn(results, document.activeElement, event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "Escape") {
      search.focus();
    }
  });

  document.body.addEventListener("htmx:afterSwap", function (event) {
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    // Browsing the tree: keep the focus in the list that replaced the button just pressed.
    if (event.detail.target === results && source && source.hasAttribute("data-category-browse")) {
      var first = results.querySelector("button");
      if (first) { first.focus(); }
    }
  });

  // --- The screen pop: bring the caller's number into the form --------------------------------------------------
  document.body.addEventListener("htmx:afterRequest", function (event) {
    var source = event.detail.elt;
    if (event.detail.successful && source && source.hasAttribute && source.hasAttribute("data-bring-phone")) {
      var phone = $("id_caller_phone");
      if (phone) { phone.focus(); phone.setSelectionRange(phone.value.length, phone.value.length); }
    }
  });

  // --- The knowledge base: quote an article as the answer -------------------------------------------------------
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-quote-article]");
    if (!button) { return; }
    var source = $(button.getAttribute("data-quote-source"));
    var answer = $("id_answer");
    var text = source ? source.textContent.trim() : "";
    answer.value = answer.value.trim() ? answer.value.replace(/\s+$/, "") + "\n" + text : text;
    $("id_knowledge_article").value = button.getAttribute("data-quote-article");
    var quoted = $("quoted-article");
    quoted.textContent = (quoted.getAttribute("data-prefix") || "已引用：") + button.getAttribute("data-quote-title");
    // 知识答复: the box to text the caller the article's 短信口径, for an article that has one (SMS on only).
    var smsBox = $("sms-answer-box");
    if (smsBox) {
      smsBox.hidden = !button.hasAttribute("data-quote-sms");
      if (smsBox.hidden) { $("id_sms_answer").checked = false; }
    }
    answerBox.open = true;
    answer.focus();
  });
})();
