/* propwatch index: filter and sort the table. No network, no eval. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var table = document.getElementById("pw-index");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var filter = document.getElementById("pw-filter");
  if (filter) {
    filter.addEventListener("input", function () {
      var q = filter.value.trim().toLowerCase();
      rows.forEach(function (r) {
        r.hidden = q !== "" && r.textContent.toLowerCase().indexOf(q) < 0 &&
          Array.prototype.map.call(r.querySelectorAll("[title]"), function (e) { return e.title; })
            .join(" ").toLowerCase().indexOf(q) < 0;
      });
    });
  }
  sortableTable(table, rows);
})();
