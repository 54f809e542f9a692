// 政府端 → 数据导入: follows an import in the background and shows its outcome.
(function () {
  const out = document.getElementById("import-outcome");
  const labels = out.dataset;
  function show(s) {
    document.getElementById("import-stage").textContent = s.stage;
    document.getElementById("import-bar").value = s.fraction;
    if (s.state === "done") {
      out.textContent = `${labels.done} ${s.rows} ${labels.rows}${labels.sep}${s.values} ${labels.values}${labels.sep}${s.findings} ${labels.findings}`;
      out.className = "success";
      const next = document.getElementById("import-next");
      if (next && next.hidden) window.location.reload();  // the links to findings and a run
    } else if (s.state === "refused" || s.state === "failed") {
      out.innerHTML = "";
      const p = document.createElement("p"); p.textContent = labels.refused; p.className = "errornote"; out.appendChild(p);
      const ul = document.createElement("ul");
      (s.problems || []).slice(0, 50).forEach((t) => { const li = document.createElement("li"); li.textContent = t; ul.appendChild(li); });
      out.appendChild(ul);
      if (s.has_report) { const a = document.createElement("a"); a.href = labels.errorsUrl; a.textContent = labels.report; out.appendChild(a); }
    } else { setTimeout(poll, 700); }
  }
  function poll() { fetch(labels.stateUrl).then((r) => r.json()).then(show); }
  poll();
})();
