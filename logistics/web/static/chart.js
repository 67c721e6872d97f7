// Temperature charts: one SVG per logger with the storage range as a band, excursions shaded, time without
// data hatched grey (before the first reading and after the last too), shocks marked, a hover read-out, drag to zoom (finer data is fetched for the zoomed span) and
// double-click to zoom out; buttons and keys (+ - arrows 0) do the same without a mouse. Times are shown in
// the destination's zone. A page holds one holder or several (div.charts): each names the script element
// holding its charts (data-source) and the address zoomed data comes from (data-url), and one with a
// data-subject (a shipment's reference) names it in its charts' captions.
(function () {
  "use strict";
  var holders = document.querySelectorAll("div.charts[data-source]");
  if (!holders.length) { return; }
  var SVG = "http://www.w3.org/2000/svg";
  var H = 240, LEFT = 46, RIGHT = 12, TOP = 10, BOTTOM = 26;
  var LABEL_PX = 100;  // room one time label needs across the chart
  // The page's words, in the reader's language (see #chart-text); English when the page gives none.
  var words = Object.assign({
    caption: "{logger} (°C, times {zone})", captionIn: "{logger} in {subject} (°C, times {zone})",
    shock: "shock {g} g at {time}",
    keys: "Temperature of logger {logger}. Keys: + zoom in, - zoom out, arrows move, 0 the whole time.",
    zoomIn: "Zoom in", zoomOut: "Zoom out", whole: "Whole time", on: "{action} on {logger}",
    noData: "no data from {start} to {end}"
  }, JSON.parse((document.getElementById("chart-text") || {}).textContent || "{}"));
  var lang = document.documentElement.lang || "en";
  var hatches = 0;
  // Local time is shown by formatting the shifted instant as if it were UTC.
  var clock = new Intl.DateTimeFormat(lang, { timeZone: "UTC", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  var dated = new Intl.DateTimeFormat(lang, { timeZone: "UTC", month: "short", day: "numeric",
                                              hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  var oneDecimal = new Intl.NumberFormat(lang, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  var plain = new Intl.NumberFormat(lang);

  function el(name, attributes, parent) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attributes).forEach(function (key) { node.setAttribute(key, attributes[key]); });
    if (parent) { parent.appendChild(node); }
    return node;
  }

  function say(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, name) { return name in values ? values[name] : whole; });
  }

  function ticks(low, high, count) {
    var step = (high - low) / count, magnitude = Math.pow(10, Math.floor(Math.log10(step || 1)));
    var nice = [1, 2, 5, 10].map(function (f) { return f * magnitude; }).find(function (s) { return s >= step; });
    var out = [];
    for (var v = Math.ceil(low / nice) * nice; v <= high; v += nice) { out.push(Math.round(v * 1e6) / 1e6 || 0); }  // never "-0"
    return out;
  }

  function nearest(points, t) {
    var best = null;
    points.forEach(function (p) { if (best === null || Math.abs(p[0] - t) < Math.abs(best[0] - t)) { best = p; } });
    return best;
  }

  function mount(holder) {
    var source = document.getElementById(holder.dataset.source);
    if (!source) { return; }
    var offsetMs = Number(holder.dataset.zoneOffset || 0) * 60000;
    var zoneLabel = holder.dataset.zoneLabel || "UTC";
    var subject = holder.dataset.subject || "";
    var full = JSON.parse(source.textContent);
    var panels = {};
    // As wide as the page shows it (900 at most), so that its text is as large on a phone as on a desk.
    function width() { return Math.min(Math.max(holder.clientWidth || 900, 320), 900); }
    var W = width();

    function local(ms, withDate) {
      return (withDate ? dated : clock).format(new Date(ms + offsetMs));
    }

    function timeAt(panel, event) {
      var box = panel.svg.getBoundingClientRect();
      var px = (event.clientX - box.left) / box.width * W;
      var chart = panel.chart;
      return chart.start + (px - LEFT) / (W - LEFT - RIGHT) * (chart.end - chart.start);
    }

    function timeTicks(start, end) {
      var spans = [3600e3 / 4, 3600e3, 3 * 3600e3, 6 * 3600e3, 12 * 3600e3, 86400e3, 2 * 86400e3, 7 * 86400e3];
      var most = Math.max(Math.floor((W - LEFT - RIGHT) / LABEL_PX), 2);
      var step = spans.find(function (s) { return (end - start) / s <= most; }) || spans[spans.length - 1];
      var out = [];
      for (var t = Math.ceil((start + offsetMs) / step) * step - offsetMs; t <= end; t += step) { out.push(t); }
      return { at: out, withDate: step >= 86400e3 || (end - start) > 86400e3 };
    }

    function draw(chart, panel) {
      var svg = panel.svg;
      while (svg.firstChild) { svg.removeChild(svg.firstChild); }
      var values = chart.points.map(function (p) { return p[1]; });
      var low = Math.min.apply(null, values.concat(chart.low === null ? [] : [chart.low]));
      var high = Math.max.apply(null, values.concat(chart.high === null ? [] : [chart.high]));
      if (!isFinite(low)) { low = 0; high = 10; }
      var margin = Math.max((high - low) * 0.08, 0.5);
      low -= margin; high += margin;
      var x = function (t) { return LEFT + (t - chart.start) / (chart.end - chart.start) * (W - LEFT - RIGHT); };
      var y = function (v) { return TOP + (high - v) / (high - low) * (H - TOP - BOTTOM); };
      var clip = function (t) { return Math.min(Math.max(t === null ? chart.end : t, chart.start), chart.end); };

      if (chart.low !== null || chart.high !== null) {
        var top = y(chart.high === null ? high : chart.high), bottom = y(chart.low === null ? low : chart.low);
        el("rect", { x: LEFT, y: top, width: W - LEFT - RIGHT, height: bottom - top, class: "band" }, svg);
      }
      chart.marks.forEach(function (m) {
        if (m[0] === "shock" || m[0] === "no_data") { return; }  // no data: drawn from chart.no_data below
        var from = x(clip(m[2])), to = x(clip(m[3]));
        el("rect", { x: from, y: TOP, width: Math.max(to - from, 2), height: H - TOP - BOTTOM,
                     class: "excursion " + m[1] }, svg);
      });
      // Time no reading covers: hatched, so that it reads apart from the band and the excursions.
      var hatch = el("pattern", { id: panel.hatch, width: 6, height: 6, patternUnits: "userSpaceOnUse",
                                  patternTransform: "rotate(45)" }, el("defs", {}, svg));
      el("rect", { width: 6, height: 6, class: "no-data-ground" }, hatch);
      el("line", { x1: 0, y1: 0, x2: 0, y2: 6, class: "no-data-line" }, hatch);
      (chart.no_data || []).forEach(function (span) {
        var from = x(clip(span[0])), to = x(clip(span[1]));
        el("rect", { x: from, y: TOP, width: Math.max(to - from, 2), height: H - TOP - BOTTOM,
                     class: "no-data", fill: "url(#" + panel.hatch + ")" }, svg)
          .appendChild(el("title", {})).textContent = say(words.noData, { start: local(span[0], true),
                                                                           end: local(span[1], true) });
      });
      ticks(low, high, 5).forEach(function (v) {
        el("line", { x1: LEFT, x2: W - RIGHT, y1: y(v), y2: y(v), class: "grid" }, svg);
        el("text", { x: LEFT - 6, y: y(v) + 4, class: "axis", "text-anchor": "end" }, svg).textContent = plain.format(v) + "°";
      });
      var tt = timeTicks(chart.start, chart.end);
      var half = tt.withDate ? 40 : 16;  // half a label: one cut by the chart's edge is left out
      tt.at.forEach(function (t) {
        if (x(t) - half < 0 || x(t) + half > W) { return; }
        el("text", { x: x(t), y: H - 8, class: "axis", "text-anchor": "middle" }, svg).textContent = local(t, tt.withDate);
      });
      // Break the line where readings are further apart than usual (2.5 times the median spacing, and at
      // least two buckets): a gap in the data stays a gap in the line.
      var spacing = chart.points.slice(1).map(function (p, i) { return p[0] - chart.points[i][0]; })
        .sort(function (a, b) { return a - b; });
      var median = spacing.length ? spacing[Math.floor(spacing.length / 2)] : 0;
      var gap = Math.max(2.5 * median, 2 * chart.level_s * 1000), path = "";
      chart.points.forEach(function (p, i) {
        var jump = i === 0 || p[0] - chart.points[i - 1][0] > gap;
        path += (jump ? "M" : "L") + x(p[0]).toFixed(1) + " " + y(p[1]).toFixed(1);
      });
      el("path", { d: path, class: "reading-line" }, svg);
      chart.marks.forEach(function (m) {
        if (m[0] !== "shock" || m[2] < chart.start || m[2] > chart.end) { return; }
        var px = x(m[2]);
        el("path", { d: "M" + px + " " + (TOP + 2) + "l-5 9h10z", class: "shock" }, svg)
          .appendChild(el("title", {})).textContent = say(words.shock, { g: oneDecimal.format(m[4]), time: local(m[2], true) });
      });
      panel.cursor = el("line", { x1: 0, x2: 0, y1: TOP, y2: H - BOTTOM, class: "cursor", visibility: "hidden" }, svg);
      panel.selection = el("rect", { x: 0, y: TOP, width: 0, height: H - TOP - BOTTOM, class: "selection",
                                     visibility: "hidden" }, svg);
      panel.x = x; panel.chart = chart;
    }

    // Only this holder's loggers are redrawn: a holder may show some of a shipment's loggers.
    function zoom(from, to) {
      var url = holder.dataset.url + (holder.dataset.url.indexOf("?") < 0 ? "?" : "&") +
        "from=" + Math.round(from) + "&to=" + Math.round(to);
      fetch(url, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; })
        .then(function (charts) {
          if (charts) { charts.forEach(function (c) { if (panels[c.logger]) { show(c); } }); }
        });
    }

    function show(chart) {
      var panel = panels[chart.logger];
      if (!panel) {
        var figure = document.createElement("figure");
        figure.className = "chart";
        var caption = document.createElement("figcaption");
        caption.textContent = subject ? say(words.captionIn, { logger: chart.logger, subject: subject, zone: zoneLabel })
          : say(words.caption, { logger: chart.logger, zone: zoneLabel });
        var readout = document.createElement("output");
        readout.className = "readout";
        caption.appendChild(readout);
        figure.appendChild(caption);
        var svg = el("svg", { viewBox: "0 0 " + W + " " + H, role: "img", tabindex: "0",
                              "aria-label": say(words.keys, { logger: chart.logger }) }, figure);
        var controls = document.createElement("div");
        controls.className = "chart-controls";
        [[words.zoomIn, 0.5], [words.zoomOut, 2], [words.whole, 0]].forEach(function (button) {
          var b = document.createElement("button");
          b.type = "button"; b.textContent = button[0];
          b.setAttribute("aria-label", say(words.on, { action: button[0], logger: chart.logger }));
          b.addEventListener("click", function () { scale(panels[chart.logger], button[1]); });
          controls.appendChild(b);
        });
        figure.appendChild(controls);
        holder.appendChild(figure);
        hatches += 1;  // a pattern id unique on the page, whatever the holder
        panel = panels[chart.logger] = { svg: svg, readout: readout, full: [chart.start, chart.end],
                                         hatch: "no-data-" + hatches };
        listen(panel);
      }
      draw(chart, panel);
    }

    // Zoom by `factor` around the middle of what is shown (0: the whole time), never past the whole time.
    function scale(panel, factor) {
      var whole = panel.full, shown = panel.chart;
      if (!factor) { zoom(whole[0], whole[1]); return; }
      var middle = (shown.start + shown.end) / 2, half = (shown.end - shown.start) * factor / 2;
      zoom(Math.max(whole[0], middle - half), Math.min(whole[1], middle + half));
    }

    function pan(panel, share) {
      var whole = panel.full, shown = panel.chart, step = (shown.end - shown.start) * share;
      step = Math.max(Math.min(step, whole[1] - shown.end), whole[0] - shown.start);
      zoom(shown.start + step, shown.end + step);
    }

    function listen(panel) {
      panel.svg.addEventListener("keydown", function (event) {
        var actions = { "+": function () { scale(panel, 0.5); }, "=": function () { scale(panel, 0.5); },
                        "-": function () { scale(panel, 2); }, "0": function () { scale(panel, 0); },
                        "ArrowLeft": function () { pan(panel, -0.25); },
                        "ArrowRight": function () { pan(panel, 0.25); } };
        if (actions[event.key]) { event.preventDefault(); actions[event.key](); }
      });
      var dragFrom = null;
      panel.svg.addEventListener("mousemove", function (event) {
        var t = timeAt(panel, event), p = nearest(panel.chart.points, t);
        if (dragFrom !== null) {
          var a = panel.x(Math.min(dragFrom, t)), b = panel.x(Math.max(dragFrom, t));
          panel.selection.setAttribute("x", a); panel.selection.setAttribute("width", b - a);
          panel.selection.setAttribute("visibility", "visible");
        }
        if (!p) { return; }
        panel.cursor.setAttribute("x1", panel.x(p[0])); panel.cursor.setAttribute("x2", panel.x(p[0]));
        panel.cursor.setAttribute("visibility", "visible");
        panel.readout.textContent = local(p[0], true) + "  " + oneDecimal.format(p[1]) + " °C";
      });
      panel.svg.addEventListener("mousedown", function (event) { dragFrom = timeAt(panel, event); });
      panel.svg.addEventListener("mouseup", function (event) {
        var to = timeAt(panel, event), from = dragFrom;
        dragFrom = null;
        panel.selection.setAttribute("visibility", "hidden");
        if (from !== null && Math.abs(panel.x(to) - panel.x(from)) > 8) { zoom(Math.min(from, to), Math.max(from, to)); }
      });
      panel.svg.addEventListener("dblclick", function () { full.forEach(show); });
    }

    full.forEach(show);
    // A window resized or a tablet turned: drawn again at the new width, so the text keeps its size.
    var resizing = null;
    window.addEventListener("resize", function () {
      clearTimeout(resizing);
      resizing = setTimeout(function () {
        if (width() === W) { return; }
        W = width();
        Object.keys(panels).forEach(function (logger) {
          var panel = panels[logger];
          panel.svg.setAttribute("viewBox", "0 0 " + W + " " + H);
          draw(panel.chart, panel);
        });
      }, 150);
    });
  }

  Array.prototype.forEach.call(holders, mount);
})();
