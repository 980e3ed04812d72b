(function () {
  "use strict";
  var table = document.getElementById("units");
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var search = document.getElementById("search");
  var filters = {
    group: document.getElementById("filter-group"),
    status: document.getElementById("filter-status"),
    "class": document.getElementById("filter-class")
  };
  if (document.getElementById("filter-final")) { filters.final = document.getElementById("filter-final"); }
  var count = document.getElementById("shown-count");
  var noMatch = document.getElementById("no-match");

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D")
      .replace(/[\u200b-\u200d\u2060\ufeff]/g, "").replace(/\s+/g, " ").trim().toLowerCase();
  }

  function apply() {
    var query = fold(search.value);
    var shown = 0;
    rows.forEach(function (row) {
      var ok = row.getAttribute("data-search").indexOf(query) !== -1;
      Object.keys(filters).forEach(function (key) {
        var want = filters[key].value;
        if (want && row.getAttribute("data-" + key) !== want) { ok = false; }
      });
      row.hidden = !ok;
      if (ok) { shown += 1; }
    });
    count.textContent = shown + " / " + rows.length;
    noMatch.hidden = shown !== 0;
  }

  function sortBy(th) {
    var key = th.getAttribute("data-key");
    var numeric = th.getAttribute("data-kind") === "num";
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) { cell.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var keyed = rows.map(function (row, index) {
      var raw = row.getAttribute("data-" + key) || "";
      var value = numeric ? (raw === "" ? null : parseFloat(raw)) : raw;
      return { row: row, value: value, index: index };
    });
    keyed.sort(function (a, b) {
      if (a.value === null && b.value === null) { return a.index - b.index; }
      if (a.value === null) { return 1; }
      if (b.value === null) { return -1; }
      var diff = numeric ? a.value - b.value : a.value.localeCompare(b.value, "vi");
      if (diff === 0) { return a.index - b.index; }
      return ascending ? diff : -diff;
    });
    keyed.forEach(function (item) { body.appendChild(item.row); });
  }

  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th) {
    var button = th.querySelector("button.sort");
    button.disabled = false;
    button.addEventListener("click", function () { sortBy(th); });
  });
  search.addEventListener("input", apply);
  Object.keys(filters).forEach(function (key) { filters[key].addEventListener("change", apply); });
  document.getElementById("controls").hidden = false;
  document.getElementById("controls").addEventListener("submit", function (event) { event.preventDefault(); });
  apply();
}());
