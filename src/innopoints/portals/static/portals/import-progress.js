// 政府端 → 数据导入: follows an import in the background, shows its outcome and says so in a
// toast (site.js: innopoints.toast) when it ends.
(function () {
  "use strict";
  const out = document.getElementById("import-outcome");
  if (!out) return;
  const labels = out.dataset;
  // a toast for an import that ended while this page watched it, or just after its upload
  let sawRunning = false;
  try {
    sawRunning = new URL(document.referrer).pathname.endsWith("/gov/import/");
  } catch (e) {
    sawRunning = false;
  }
  const toast = (text, kind) => window.innopoints && window.innopoints.toast && window.innopoints.toast(text, kind);
  function show(s) {
    document.getElementById("import-stage").textContent = s.stage;
    document.getElementById("import-bar").value = s.fraction;
    if (s.state === "done") {
      const summary = `${labels.done} ${s.rows} ${labels.rows}${labels.sep}${s.values} ${labels.values}${labels.sep}${s.findings} ${labels.findings}`;
      out.textContent = summary;
      out.className = "alert alert-success success";
      const next = document.getElementById("import-next");
      const flagged = sessionStorage.getItem("import-toast");
      if (next && next.hidden && !flagged) {
        // the links to the findings and a run come with the page: reload once, toast after it
        sessionStorage.setItem("import-toast", `${labels.toastDone}：${summary}`);
        window.location.reload();
      } else if (flagged || sawRunning) {
        toast(flagged || `${labels.toastDone}：${summary}`, "success");
        sessionStorage.removeItem("import-toast");
      }
    } else if (s.state === "refused" || s.state === "failed") {
      out.innerHTML = "";
      out.className = "";
      const p = document.createElement("p"); p.textContent = labels.refused; p.className = "errornote"; out.appendChild(p);
      const ul = document.createElement("ul");
      (s.problems || []).slice(0, 50).forEach((t) => { const li = document.createElement("li"); li.textContent = t; ul.appendChild(li); });
      out.appendChild(ul);
      if (s.has_report) {
        const a = document.createElement("a");
        a.href = labels.errorsUrl; a.textContent = labels.report; a.className = "btn btn-outline-primary btn-sm";
        out.appendChild(a);
      }
      if (sawRunning) toast(labels.toastRefused, "danger");
    } else {
      sawRunning = true;
      setTimeout(poll, 700);
    }
  }
  function poll() { fetch(labels.stateUrl, { headers: { Accept: "application/json" } }).then((r) => r.json()).then(show); }
  document.addEventListener("DOMContentLoaded", poll);
})();
