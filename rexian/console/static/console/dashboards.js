/* Dashboards (统计分析, 部门考评, 大屏): draws each chart from its table, as the server gives it.
 *
 * Every [data-chart] section names a chart and either the URL of its JSON (data-url, the
 * dashboard-data endpoint) or the id of a <script type="application/json"> holding it
 * (data-embedded). A chart is a table: columns (key, label, kind), rows, and beside each row
 * its key and the link to its orders; "draw" says how to show it. The numbers are never computed
 * here: rates arrive as percentages, scores as points. The words come from #dashboard-texts.
 *
 * The big screen ([data-dashboard][data-refresh]) reloads every chart every data-refresh seconds,
 * uses ECharts' dark theme, and goes full screen with its button or the F key.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-dashboard]");
  if (!root || typeof window.echarts === "undefined") {
    return;
  }
  var textsNode = document.getElementById("dashboard-texts");
  var texts = textsNode ? JSON.parse(textsNode.textContent) : {};
  var dark = root.getAttribute("data-theme") === "dark";
  var instances = [];
  var palette = ["#0b4f9c", "#c8102e", "#1a7f37", "#e0a100", "#5b3fa6", "#0a8a9f", "#d4622b", "#6b7785", "#8b5e3c", "#3f8fd2"];
  var WALL_ROWS = 15; /* the wall shows the first units of the ranking; the page and the export have them all */
  var darkPalette = ["#4fd1ff", "#ffb44f", "#5fdc8f", "#ff7a7a", "#b18cff", "#3ce0c5", "#ffd84f", "#8ea6c6", "#ff9ed1", "#7fb2f0"];
  var BAR_LABEL_WIDTH = 110; /* the unit or category names beside horizontal bars */
  var TICK_SPACING = 44; /* the least room, in px, for one value-axis label ("100%", "1000") and a gap after it */

  function number(value, kind) {
    if (value === null || value === undefined) {
      return "—";
    }
    if (kind === "percent") {
      return value.toFixed(2) + "%";
    }
    if (kind === "score" || kind === "number") {
      return value.toFixed(kind === "score" ? 2 : 1);
    }
    if (kind === "seconds") {
      return value.toFixed(1);
    }
    return typeof value === "number" ? value.toLocaleString("zh-CN") : String(value);
  }

  function columnIndex(chart, key) {
    for (var i = 0; i < chart.columns.length; i++) {
      if (chart.columns[i].key === key) {
        return i;
      }
    }
    return -1;
  }

  function setStatus(section, text) {
    var status = section.querySelector("[data-status]");
    if (status) {
      status.textContent = text || "";
    }
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  /* The chart's table, the same cells as its Excel export; a row's first text cell links to its orders. */
  function table(chart) {
    var t = el("table", { "class": "table" });
    var head = el("tr");
    chart.columns.forEach(function (c) {
      var unit = c.kind === "percent" ? "（%）" : c.kind === "seconds" ? "（" + (texts.seconds || "s") + "）" : "";
      head.appendChild(el("th", { scope: "col", "class": c.kind === "text" ? "" : "num" }, c.label + unit));
    });
    t.appendChild(el("thead")).appendChild(head);
    var body = t.appendChild(el("tbody"));
    chart.rows.forEach(function (row, i) {
      var tr = body.appendChild(el("tr"));
      row.forEach(function (value, j) {
        var kind = chart.columns[j].kind;
        var cell = tr.appendChild(el(j === 0 ? "th" : "td", j === 0 ? { scope: "row" } : { "class": kind === "text" ? "" : "num" }));
        var link = chart.links && chart.links[i];
        if (link && kind === "text" && (j === 0 || chart.columns[0].kind !== "text")) {
          cell.appendChild(el("a", { href: link }, String(value)));
          link = null;
        } else {
          cell.textContent = kind === "text" ? String(value === null ? "" : value) : number(value, kind);
        }
      });
    });
    return t;
  }

  function fillTable(section, chart) {
    var holder = section.querySelector("[data-table]");
    if (holder) {
      holder.replaceChildren(table(chart));
    }
  }

  /* Headline and call cards: each [data-metric] gets its value; 受理量 gets 环比 and 同比 beneath. */
  function fillCards(section, chart) {
    var byKey = {};
    chart.keys.forEach(function (key, i) { byKey[key] = { value: chart.rows[i][1], unit: chart.rows[i][2], kind: chart.kinds[i] }; });
    section.querySelectorAll("[data-metric]").forEach(function (card) {
      var key = card.getAttribute("data-metric");
      var figure = byKey[key];
      var value = card.querySelector("[data-value]");
      if (!figure || !value) {
        return;
      }
      value.textContent = number(figure.value, figure.kind);
      var sub = card.querySelector("[data-sub]");
      if (!sub) {
        return;
      }
      sub.replaceChildren();
      if (key === "volume") {
        [["volume_mom", texts.mom], ["volume_yoy", texts.yoy]].forEach(function (pair) {
          var change = byKey[pair[0]];
          if (!change) {
            return;
          }
          var v = change.value;
          sub.appendChild(el("span", { "class": v === null ? "" : v > 0 ? "dash-up" : v < 0 ? "dash-down" : "" },
            pair[1] + " " + (v === null ? "—" : (v > 0 ? "+" : "") + v.toFixed(2) + "%") + " "));
        });
      } else if (figure.kind === "seconds" || figure.kind === "score") {
        sub.textContent = figure.unit;
      }
    });
  }

  /* 2026-03-18 on an axis reads as 03-18: the period says the year. */
  function shortDate(value) {
    return /^\d{4}-\d\d-\d\d$/.test(value) ? value.slice(5) : value;
  }

  function axisFormatter(kind) {
    return function (value) {
      return kind === "percent" ? value + "%" : value;
    };
  }

  /* The names beside horizontal bars, as drawn: the wall shows the first rows only. */
  function barNames(chart) {
    var column = chart.draw === "ranking" ? columnIndex(chart, "unit") : 0;
    var rows = dark ? chart.rows.slice(0, WALL_ROWS) : chart.rows;
    return rows.map(function (row) { return row[column]; });
  }

  /* How many value-axis ticks the bars' width has room for: a narrow panel of the big screen gets
     "0  50  100" rather than five labels run together ("0 20406080"). A name is reckoned at 12 px a
     character (a Chinese one at the axis's font), up to the width it is cut to. */
  function valueTicks(width, names) {
    var longest = names.reduce(function (most, name) { return Math.max(most, String(name).length); }, 0);
    var room = width - Math.min(BAR_LABEL_WIDTH, longest * 12) - 8 - 48 - 16; /* names, margins, bar labels */
    return Math.max(1, Math.min(5, Math.floor(room / TICK_SPACING)));
  }

  function baseOption(chart) {
    return {
      backgroundColor: "transparent",
      color: dark ? darkPalette : palette,
      grid: { left: 8, right: 16, top: 30, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis", confine: true },
      animation: !dark
    };
  }

  function seriesOf(chart, type, extra) {
    return chart.series.map(function (key) {
      var j = columnIndex(chart, key);
      return Object.assign({
        name: chart.columns[j].label,
        type: type,
        data: chart.rows.map(function (row) { return row[j]; })
      }, extra || {});
    });
  }

  function option(chart, width) {
    var labels = chart.rows.map(function (row) { return row[0]; });
    var o = baseOption(chart);
    if (chart.draw === "pie") {
      var j = columnIndex(chart, chart.series[0]);
      o.tooltip = { trigger: "item", confine: true, formatter: "{b}: {c} ({d}%)" };
      o.legend = { type: "scroll", bottom: 0, textStyle: dark ? { color: "#b8c9e2" } : {} };
      o.series = [{
        type: "pie", radius: ["38%", "68%"], center: ["50%", "45%"], minShowLabelAngle: 6,
        label: { formatter: "{b}\n{d}%", color: dark ? "#d7e3f4" : "#1d2129" },
        data: chart.rows.map(function (row) { return { name: row[0], value: row[j] }; })
      }];
      return o;
    }
    if (chart.draw === "hbar" || chart.draw === "ranking") {
      var key = chart.series[0];
      var k = columnIndex(chart, key);
      var kind = chart.columns[k].kind;
      var rows = dark ? chart.rows.slice(0, WALL_ROWS) : chart.rows;
      var names = barNames(chart);
      o.grid.right = 48;
      o.yAxis = { type: "category", inverse: true, data: names,
                  axisLabel: { width: BAR_LABEL_WIDTH, overflow: "truncate", interval: dark ? "auto" : 0 } };
      var ticks = valueTicks(width, names);
      var hundred = kind === "percent" || kind === "score";
      o.xAxis = { type: "value", max: hundred ? 100 : null, minInterval: kind === "count" ? 1 : 0, splitNumber: ticks,
                  /* up to 100, steps that end on 100: 0 50 100, never 0 30 60 90 */
                  interval: hundred ? 100 / [1, 2, 2, 4, 5][ticks - 1] : null,
                  axisLabel: { formatter: axisFormatter(kind), hideOverlap: true } };
      o.series = [{ name: chart.columns[k].label, type: "bar", barMaxWidth: 28,
                    data: rows.map(function (row) { return row[k]; }),
                    label: { show: rows.length <= 25, position: "right", color: dark ? "#d7e3f4" : "#4e5969" } }];
      return o;
    }
    if (chart.draw === "calls") {
      var offered = columnIndex(chart, "offered");
      o.legend = { top: 0, textStyle: dark ? { color: "#b8c9e2" } : {} };
      o.grid.top = 36;
      o.xAxis = { type: "category", data: labels, axisLabel: { formatter: shortDate } };
      o.yAxis = [
        { type: "value", minInterval: 1 },  /* no axis name: the legend names the bars (a name was cut off and hit it) */
        { type: "value", min: function (v) { return Math.max(0, Math.floor(v.min - 2)); }, max: 100,
          axisLabel: { formatter: "{value}%" }, splitLine: { show: false } }
      ];
      o.series = [{ name: chart.columns[offered].label, type: "bar", yAxisIndex: 0, barMaxWidth: 36,
                    data: chart.rows.map(function (row) { return row[offered]; }) }];
      chart.series.forEach(function (name) {
        if (name === "offered") {
          return;
        }
        var c = columnIndex(chart, name);
        o.series.push({ name: chart.columns[c].label, type: "line", yAxisIndex: 1, connectNulls: false,
                        data: chart.rows.map(function (row) { return row[c]; }) });
      });
      return o;
    }
    o.xAxis = { type: "category", data: labels, axisLabel: { formatter: shortDate } };
    o.yAxis = { type: "value", minInterval: 1 };
    var line = chart.draw === "line";
    o.series = seriesOf(chart, line ? "line" : "bar", line ? { areaStyle: { opacity: 0.15 } } : { barMaxWidth: 36 });
    return o;
  }

  function drawChart(section, chart) {
    var canvas = section.querySelector("[data-canvas]");
    if (chart.draw === "cards") {
      fillCards(section, chart);
      fillTable(section, chart);
      setStatus(section, "");
      return;
    }
    if (chart.draw === "table") {
      section.classList.add("dash-panel--table");
      fillTable(section, chart);
      var details = section.querySelector("details");
      if (details) {
        details.open = true;
      }
      setStatus(section, chart.rows.length ? "" : texts.empty);
      return;
    }
    fillTable(section, chart);
    if (!canvas) {
      return;
    }
    var empty = !chart.rows.length || chart.rows.every(function (row) {
      return chart.series.every(function (key) { var v = row[columnIndex(chart, key)]; return !v; });
    });
    setStatus(section, empty ? texts.empty : "");
    var instance = window.echarts.getInstanceByDom(canvas);
    if (!instance) {
      instance = window.echarts.init(canvas, dark ? "dark" : null);
      instances.push(instance);
      instance.on("click", function (params) {
        var links = instance.__rexianLinks || [];
        var link = links[params.dataIndex];
        if (link) {
          window.location.href = link;
        }
      });
    }
    instance.__rexianLinks = chart.links || [];
    canvas.style.cursor = (chart.links || []).some(Boolean) ? "pointer" : "";
    if ((chart.draw === "ranking" || chart.draw === "hbar") && !dark) {
      /* One readable bar per unit or category, however many the centre has. */
      canvas.style.height = Math.max(300, chart.rows.length * (chart.draw === "ranking" ? 26 : 22) + 60) + "px";
      instance.resize();
    }
    instance.__rexianChart = chart;
    instance.__rexianTicks = barTicks(chart, canvas.clientWidth);
    instance.setOption(option(chart, canvas.clientWidth), true);
  }

  function barTicks(chart, width) {
    return chart.draw === "hbar" || chart.draw === "ranking" ? valueTicks(width, barNames(chart)) : null;
  }

  /* A new size (the window, full screen): the bars' value axis gets the ticks the new width has room for. */
  function refit(instance) {
    instance.resize();
    var chart = instance.__rexianChart;
    var ticks = chart ? barTicks(chart, instance.getWidth()) : null;
    if (ticks !== null && ticks !== instance.__rexianTicks) {
      instance.__rexianTicks = ticks;
      instance.setOption(option(chart, instance.getWidth()), true);
    }
  }

  function load(section) {
    var embedded = section.getAttribute("data-embedded");
    if (embedded) {
      drawChart(section, JSON.parse(document.getElementById(embedded).textContent));
      return Promise.resolve();
    }
    var url = section.getAttribute("data-url");
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (!response.ok || !body.chart) {
            throw new Error(body.error || texts.error);
          }
          return body;
        });
      })
      .then(function (body) {
        drawChart(section, body.chart);
        var updated = document.querySelector("[data-updated]");
        if (updated && body.updated) {
          updated.textContent = body.updated.slice(11, 19);
          updated.setAttribute("datetime", body.updated);
        }
      })
      .catch(function (error) {
        /* The figures already drawn stay; the panel says why they were not refreshed (the server's words, or
           ours when the network failed). */
        setStatus(section, error instanceof Error && !(error instanceof TypeError) ? error.message : texts.error);
      });
  }

  function loadAll() {
    root.querySelectorAll("[data-chart]").forEach(load);
  }

  loadAll();
  window.addEventListener("resize", function () {
    instances.forEach(refit);
  });

  var refresh = parseInt(root.getAttribute("data-refresh") || "0", 10);
  if (refresh > 0) {
    window.setInterval(loadAll, refresh * 1000);
  }

  /* The wall's clock keeps the centre's time (data-time-zone), whatever the screen's computer is set to. */
  var clock = document.querySelector("[data-clock]");
  if (clock) {
    var zone = clock.getAttribute("data-time-zone") || undefined;
    var tick = function () {
      try {
        clock.textContent = new Date().toLocaleString("sv-SE", { timeZone: zone, hour12: false });
      } catch (error) {
        clock.textContent = new Date().toLocaleString("sv-SE", { hour12: false });
      }
    };
    tick();
    window.setInterval(tick, 1000);
  }

  function toggleFullscreen() {
    if (document.fullscreenElement) {
      document.exitFullscreen();
    } else if (document.documentElement.requestFullscreen) {
      document.documentElement.requestFullscreen();
    }
  }
  var button = document.querySelector("[data-fullscreen]");
  if (button) {
    button.addEventListener("click", toggleFullscreen);
    document.addEventListener("keydown", function (event) {
      var typing = /^(INPUT|TEXTAREA|SELECT)$/.test((event.target && event.target.tagName) || "");
      if (!typing && !event.ctrlKey && !event.metaKey && !event.altKey && (event.key === "f" || event.key === "F")) {
        event.preventDefault();
        toggleFullscreen();
      }
    });
    document.addEventListener("fullscreenchange", function () {
      window.setTimeout(function () { instances.forEach(refit); }, 100);
    });
  }
})();
