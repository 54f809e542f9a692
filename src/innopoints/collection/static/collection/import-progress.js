// Admin → import a source file: follows the import and shows its outcome. Messages and links
// come from the box's data attributes ({name} placeholders filled from the import's state).
(function () {
  const box = document.getElementById("import-progress");
  const d = box.dataset;
  const fill = (text, values) => text.replace(/\{(\w+)\}/g, (all, key) => values[key]);
  const show = (s) => {
    document.getElementById("stage").textContent = s.stage || s.state;
    document.getElementById("bar").value = s.fraction || 0;
    const result = document.getElementById("result");
    if (s.state === "done") {
      result.innerHTML = "<p>" + fill(d.msgDone, s) + "</p><p><a href='" +
        d.batchesUrl + "'>" + d.msgBatches + "</a></p>";
      return true;
    }
    if (s.state === "refused" || s.state === "failed") {
      const items = (s.problems || []).map((p) => "<li>" + p.replace(/</g, "&lt;") + "</li>");
      const aliases = (s.unknown_headers || []).map((h) => "<li><a href='" + d.aliasUrl +
        "?source=" + s.source + "&header=" + encodeURIComponent(h) + "'>" +
        fill(d.msgAlias, {header: h.replace(/</g, "&lt;")}) + "</a></li>");
      result.innerHTML = "<p class='errornote'>" +
        fill(d.msgRefused, {count: (s.problems || []).length}) + "</p>" +
        (s.has_report ? "<p><a href='" + d.errorsUrl + "'>" + d.msgReport + "</a></p>" : "") +
        "<ul>" + items.join("") + "</ul>" +
        (aliases.length ? "<p>" + d.msgAliases + "</p><ul>" + aliases.join("") + "</ul>" : "");
      return true;
    }
    return false;
  };
  const poll = () => fetch(d.stateUrl, {credentials: "same-origin"})
    .then((r) => r.json()).then((s) => { if (!show(s)) setTimeout(poll, 700); });
  poll();
})();
