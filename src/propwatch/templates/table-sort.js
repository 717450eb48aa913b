/* propwatch: sortable table columns (th[data-k] = "num" or "text"), by click or keyboard.
   Inlined before each page script that calls sortableTable. No network, no eval. */
function sortableTable(table, rows) {
  "use strict";
  var body = table.tBodies[0];
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
  heads.forEach(function (th, col) {
    var kind = th.getAttribute("data-k");
    if (!kind) { return; }
    th.tabIndex = 0;
    function sort() {
      var asc = th.getAttribute("aria-sort") !== "ascending";
      heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      function key(r) {
        var c = r.cells[col];
        if (!c) { return ""; }
        return kind === "num" ? Number(c.getAttribute("data-v") || 0) : c.textContent.trim().toLowerCase();
      }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        var d = x < y ? -1 : x > y ? 1 : 0;
        return asc ? d : -d;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    }
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); }
    });
  });
}
