/* Pilotage charts: draws each <div class="chart" data-spec="ID"> with vega-embed.

   The Vega-Lite spec is read from the JSON data block <script type="application/json"
   id="ID"> (never executed, so the page needs no inline script), and drawn with the
   locale of <html lang>. Charts are drawn on DOMContentLoaded and after every htmx swap
   (htmx:afterSettle); views are finalised when htmx removes them.

   CSP without 'unsafe-eval': `ast: true` makes Vega keep expressions as syntax trees,
   and vega-embed evaluates them with vega.expressionInterpreter when the Vega build has
   one, else with the vega-interpreter bundled in vega-embed 7 (no `new Function`).

   Scripts, in this order: /static/vendor/vega.min.js, /static/vendor/vega-lite.min.js,
   /static/vendor/vega-embed.min.js, /static/js/charts.js. */
(function () {
  "use strict";

  // d3-format 3.1.3 locale/fr-FR.json and locale/en-US.json, d3-time-format 4.1.1
  // locale/fr-FR.json and locale/en-US.json (npm packages, ISC licence, Mike Bostock);
  // the same data vl-convert uses on the server.
  var LOCALES = {
    fr: {
      format: {
        "decimal": ",",
        "thousands": "\u00a0",
        "grouping": [3],
        "currency": ["", "\u00a0\u20ac"],
        "percent": "\u202f%",
      },
      time: {
        "dateTime": "%A %e %B %Y \u00e0 %X",
        "date": "%d/%m/%Y",
        "time": "%H:%M:%S",
        "periods": ["AM", "PM"],
        "days": ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
        "shortDays": ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
        "months": ["janvier", "f\u00e9vrier", "mars", "avril", "mai", "juin", "juillet", "ao\u00fbt", "septembre", "octobre", "novembre", "d\u00e9cembre"],
        "shortMonths": ["janv.", "f\u00e9vr.", "mars", "avr.", "mai", "juin", "juil.", "ao\u00fbt", "sept.", "oct.", "nov.", "d\u00e9c."],
      },
    },
    en: {
      format: {
        "decimal": ".",
        "thousands": ",",
        "grouping": [3],
        "currency": ["$", ""],
      },
      time: {
        "dateTime": "%x, %X",
        "date": "%-m/%-d/%Y",
        "time": "%-I:%M:%S %p",
        "periods": ["AM", "PM"],
        "days": ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
        "shortDays": ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"],
        "months": ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"],
        "shortMonths": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
      },
    },
  };

  function language() {
    var lang = (document.documentElement.lang || "fr").slice(0, 2).toLowerCase();
    return LOCALES[lang] ? lang : "fr";
  }

  function draw(el) {
    if (el.hasAttribute("data-chart-state")) {
      return; // htmx:afterSettle fires for every swap: each chart is drawn once
    }
    var block = document.getElementById(el.getAttribute("data-spec"));
    if (!block) {
      el.setAttribute("data-chart-state", "error");
      return;
    }
    var locale = LOCALES[language()];
    el.setAttribute("data-chart-state", "drawing");
    vegaEmbed(el, JSON.parse(block.textContent), {
      actions: false,
      renderer: "svg",
      ast: true,
      expr: vega.expressionInterpreter,
      formatLocale: locale.format,
      timeFormatLocale: locale.time,
    }).then(function (result) {
      el.pilotageChart = result;
      el.setAttribute("data-chart-state", "drawn");
    }).catch(function (error) {
      el.setAttribute("data-chart-state", "error");
      console.error("chart " + el.getAttribute("data-spec") + ": " + error);
    });
  }

  function charts(root) {
    var found = Array.prototype.slice.call(root.querySelectorAll(".chart[data-spec]"));
    if (root.matches && root.matches(".chart[data-spec]")) {
      found.push(root);
    }
    return found;
  }

  function drawAll() {
    charts(document).forEach(draw);
  }

  function finalise(event) {
    charts(event.target).forEach(function (el) {
      if (el.pilotageChart) {
        el.pilotageChart.finalize(); // stops the view's timers and listeners
        el.pilotageChart = null;
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
  document.addEventListener("htmx:afterSettle", drawAll);
  document.addEventListener("htmx:beforeCleanupElement", finalise);
  window.pilotageCharts = { locales: LOCALES, drawAll: drawAll };
})();
