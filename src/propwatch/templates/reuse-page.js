/* propwatch text reuse report: graph highlighting, cluster filter and sort. No network, no eval. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var graph = document.getElementById("pw-graph");
  if (graph) {
    var edges = Array.prototype.slice.call(graph.querySelectorAll(".edge"));
    var nodes = Array.prototype.slice.call(graph.querySelectorAll(".node"));
    var focus = function (node) {
      var n = node.getAttribute("data-n");
      graph.classList.add("focus");
      node.classList.add("on");
      edges.forEach(function (e) {
        var on = e.getAttribute("data-s") === n || e.getAttribute("data-t") === n;
        e.classList.toggle("on", on);
        if (on) {
          nodes[Number(e.getAttribute(e.getAttribute("data-s") === n ? "data-t" : "data-s"))]
            .classList.add("on");
        }
      });
    };
    var clear = function () {
      graph.classList.remove("focus");
      edges.concat(nodes).forEach(function (x) { x.classList.remove("on"); });
    };
    nodes.forEach(function (node) {
      node.addEventListener("mouseenter", function () { focus(node); });
      node.addEventListener("focus", function () { focus(node); });
      node.addEventListener("mouseleave", clear);
      node.addEventListener("blur", clear);
    });
  }

  var table = document.getElementById("pw-clusters");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var filter = document.getElementById("pw-filter");
  if (filter) {
    filter.addEventListener("input", function () {
      var q = filter.value.trim().toLowerCase();
      rows.forEach(function (r) {
        r.hidden = q !== "" && r.textContent.toLowerCase().indexOf(q) < 0;
      });
    });
  }
  sortableTable(table, rows);
})();
