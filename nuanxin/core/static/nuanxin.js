/* Nuanxin's few behaviours, wired from data attributes: no inline script anywhere, so the
   content security policy can forbid them (script-src 'self').

   data-autosubmit        on a <select>: submit its form when it changes (the language switch)
   data-reveal-next="sel" on a button: show the next hidden element matching sel, focus its first
                          field, hide the button when none is left (the visit form's findings)
   data-finding           on a visit finding: show only the fields its kind needs (data-shows-for)
   table.nx-cards         a table that becomes cards on a phone: cells get their column's heading
   data-chart="id"        on a container: draw the line chart whose data is the JSON script #id
                          ({months, rates, link}) with ECharts, if the page loaded it
*/
(function () {
  "use strict";

  function autosubmit(root) {
    root.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  function revealNext(root) {
    root.querySelectorAll("[data-reveal-next]").forEach(function (button) {
      var selector = button.getAttribute("data-reveal-next");
      button.addEventListener("click", function () {
        var next = document.querySelector(selector + "[hidden]");
        if (next) {
          next.hidden = false;
          var field = next.querySelector("select, input, textarea");
          if (field) { field.focus(); }
        }
        if (!document.querySelector(selector + "[hidden]")) { button.hidden = true; }
      });
    });
  }

  // A month still running is drawn hollow and labelled, so a low "so far" is not read
  // as a fall.
  function points(data) {
    return data.rates.map(function (rate, i) {
      if (!(data.partial && data.partial[i])) { return rate; }
      return {value: rate, symbol: "emptyCircle", symbolSize: 10,
              label: {show: true, formatter: data.partial_label || ""}};
    });
  }

  function charts(root) {
    if (typeof window.echarts === "undefined") { return; }
    root.querySelectorAll("[data-chart]").forEach(function (box) {
      var source = document.getElementById(box.getAttribute("data-chart"));
      if (!source) { return; }
      var data = JSON.parse(source.textContent);
      var chart = window.echarts.init(box);
      chart.setOption({
        grid: {left: 40, right: 10, top: 20, bottom: 30},
        tooltip: {trigger: "axis", valueFormatter: function (v) { return v + "%"; }},
        xAxis: {type: "category", data: data.months},
        yAxis: {type: "value", min: 0, max: 100, axisLabel: {formatter: "{value}%"}},
        series: [{type: "line", data: points(data), smooth: true, areaStyle: {opacity: 0.15}}]
      });
      if (data.link) {
        chart.on("click", function (p) { window.location = data.link + encodeURIComponent(p.name); });
      }
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  // The visit form's findings: once a kind is chosen, only the fields it needs show
  // (data-shows-for: "*" any kind, "kind", or "kind:follow-up kind").
  function findingFields(root) {
    root.querySelectorAll("[data-finding]").forEach(function (box) {
      var kind = box.querySelector("[data-finding-kind] select");
      var followUp = box.querySelector("select[name$='-follow_up_kind']");
      if (!kind) { return; }
      function update() {
        box.querySelectorAll("[data-shows-for]").forEach(function (field) {
          var wanted = field.getAttribute("data-shows-for").split(":");
          var shown = kind.value !== "" && (wanted[0] === "*" || (wanted[0] === kind.value &&
            (!wanted[1] || (followUp && followUp.value === wanted[1]))));
          field.hidden = !shown;
        });
      }
      kind.addEventListener("change", update);
      if (followUp) { followUp.addEventListener("change", update); }
      update();
    });
  }

  // Tables that become cards on a phone (nuanxin.css): each cell carries its column's
  // heading, shown before it when the heading row is hidden.
  function cardTables(root) {
    root.querySelectorAll("table.nx-cards").forEach(function (table) {
      var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
        return th.textContent.trim();
      });
      table.querySelectorAll("tbody tr").forEach(function (row) {
        Array.prototype.forEach.call(row.children, function (cell, i) {
          if (heads[i] && !cell.hasAttribute("data-label")) { cell.setAttribute("data-label", heads[i]); }
        });
      });
    });
  }

  function wire(root) {
    autosubmit(root);
    cardTables(root);
    revealNext(root);
    findingFields(root);
    charts(root);
  }

  document.addEventListener("DOMContentLoaded", function () { wire(document); });
  // Parts htmx swaps in get the same behaviours.
  document.addEventListener("htmx:load", function (event) { wire(event.target); });
}());
