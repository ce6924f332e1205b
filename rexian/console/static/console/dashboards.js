/* Dashboards (统计分析, 部门考评, 大屏): draws each chart from its table, as the server gives it; the pages' period picker.
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

  /* The period picker (统计时段): a date typed in 开始日期 or 结束日期 chooses 自定义, the only period the dates are
     read for, rather than being dropped for the named period still chosen. Without scripts, 自定义 is chosen by
     hand, as the picker's hint says. */
  var picker = document.querySelector("form.dash-period");
  var choice = picker && picker.querySelector("select[name=period]");
  if (choice) {
    picker.querySelectorAll("input[type=date]").forEach(function (box) {
      ["input", "change"].forEach(function (type) {
        box.addEventListener(type, function () { choice.value = "custom"; });
      });
    });
  }

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
  /* The wall's pie: its legend, one entry a slice ("求助 33.33%"), in this font, flowing onto as many rows as the
     panel's width needs; the ring gets the room above. */
  var WALL_LEGEND = { fontSize: 13, icon: 14, iconGap: 5, itemGap: 8, padding: 5 };
  var measurer = null;

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

  /* A value in a table of figures (指标, 数值, 单位; each row's kind in chart.kinds): written as its row's kind says, a
     count whole, a rate to two decimals; the unit column beside it says "%". */
  function figure(value, kind) {
    return kind === "percent" && value !== null && value !== undefined ? value.toFixed(2) : number(value, kind);
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
        } else if (kind === "number" && chart.kinds && chart.kinds[i]) {
          cell.textContent = figure(value, chart.kinds[i]);
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

  function textWidth(text, fontSize) {
    measurer = measurer || document.createElement("canvas").getContext("2d");
    measurer.font = fontSize + "px sans-serif"; /* ECharts' own font: it measures its labels the same way */
    return measurer.measureText(text).width;
  }

  /* Each slice's share, in percent to two decimals, as ECharts' tooltip gives it (shares that add up to 100). */
  function shares(values) {
    var total = values.reduce(function (sum, v) { return sum + (v || 0); }, 0);
    return values.map(function (v, i) {
      var share = window.echarts.number && window.echarts.number.getPercentWithPrecision
        ? window.echarts.number.getPercentWithPrecision(values, i, 2) : total ? (v || 0) * 100 / total : 0;
      return share.toFixed(2) + "%";
    });
  }

  /* The height of the wall's pie legend: its entries laid out in rows as ECharts lays them, each as wide as its
     icon and text, a row wrapped when the next entry would pass the chart's width. */
  function legendHeight(entries, width) {
    var L = WALL_LEGEND;
    var room = width - 2 * L.padding;
    var rows = 1;
    var x = 0;
    entries.forEach(function (entry) {
      var w = L.icon + L.iconGap + textWidth(entry, L.fontSize);
      if (x > 0 && x + w > room) {
        rows += 1;
        x = 0;
      }
      x += w + L.itemGap;
    });
    return 2 * L.padding + rows * (L.fontSize + 2) + (rows - 1) * L.itemGap;
  }

  /* The wall's pie, in a fifth of the screen: labels beside the ring were cut to "7" or "33…", so a legend beneath
     names every slice with its share, and the ring is sized to the room left above it. */
  function wallPie(o, chart, values, width, height) {
    var L = WALL_LEGEND;
    var names = chart.rows.map(function (row) { return String(row[0]); });
    var share = {};
    var percents = shares(values);
    var entries = names.map(function (name, i) {
      share[name] = percents[i];
      return name + " " + share[name];
    });
    var legend = legendHeight(entries, width);
    var room = Math.max(40, height - legend - 8);
    var outer = Math.max(20, Math.min(width / 2 - 6, room / 2 - 2));
    o.legend = { type: "plain", bottom: 0, left: "center", padding: L.padding, itemGap: L.itemGap,
                 itemWidth: L.icon, itemHeight: 10, textStyle: { color: "#d7e3f4", fontSize: L.fontSize },
                 formatter: function (name) { return name + " " + share[name]; } };
    o.series[0].center = [width / 2, room / 2 + 2];
    o.series[0].radius = [Math.round(outer * 0.55), Math.round(outer)];
    o.series[0].label = { show: false };
    o.series[0].labelLine = { show: false };
    return o;
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

  function option(chart, width, height) {
    var labels = chart.rows.map(function (row) { return row[0]; });
    var o = baseOption(chart);
    if (chart.draw === "pie") {
      var j = columnIndex(chart, chart.series[0]);
      var values = chart.rows.map(function (row) { return row[j]; });
      o.tooltip = { trigger: "item", confine: true, formatter: "{b}: {c} ({d}%)" };
      o.legend = { type: "scroll", bottom: 0 };
      o.series = [{
        type: "pie", radius: ["38%", "68%"], center: ["50%", "45%"], minShowLabelAngle: 6,
        label: { formatter: "{b}\n{d}%", color: "#1d2129" },
        data: chart.rows.map(function (row, i) { return { name: row[0], value: values[i] }; })
      }];
      return dark ? wallPie(o, chart, values, width, height) : o;
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
    instance.__rexianFit = fitKey(chart, instance.getWidth(), instance.getHeight());
    instance.setOption(option(chart, instance.getWidth(), instance.getHeight()), true);
  }

  /* What of a chart's option depends on its size: the bars' ticks, the wall pie's whole layout (null: nothing). */
  function fitKey(chart, width, height) {
    if (chart.draw === "hbar" || chart.draw === "ranking") {
      return String(valueTicks(width, barNames(chart)));
    }
    return chart.draw === "pie" && dark ? width + "x" + height : null;
  }

  /* A new size (the window, full screen): the bars' value axis gets the ticks the new width has room for, the
     wall's pie a ring and legend laid out again. */
  function refit(instance) {
    instance.resize();
    var chart = instance.__rexianChart;
    var key = chart ? fitKey(chart, instance.getWidth(), instance.getHeight()) : null;
    if (key !== null && key !== instance.__rexianFit) {
      instance.__rexianFit = key;
      instance.setOption(option(chart, instance.getWidth(), instance.getHeight()), true);
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
