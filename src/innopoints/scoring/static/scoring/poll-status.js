// A run or a robustness analysis in progress: shows its stage and progress, and reloads the
// page when it has finished, which then says so in a toast (innopoints.toast, site/site.js).
// The box carries data-state-url, data-status and the words of each outcome
// (data-done-text, data-failed-text, data-cancelled-text).
(function () {
  "use strict";
  const KEY = "innopoints-finished";
  let pending = null;
  try {
    pending = JSON.parse(sessionStorage.getItem(KEY) || "null");
    sessionStorage.removeItem(KEY);
  } catch (e) {
    pending = null;
  }
  if (pending && window.innopoints && window.innopoints.toast) window.innopoints.toast(pending.text, pending.kind);

  const box = document.querySelector("[data-state-url][data-status]");
  if (!box || (box.dataset.status !== "queued" && box.dataset.status !== "running")) return;
  const every = Number(box.dataset.pollMs || 1000);
  const bar = document.getElementById("bar");
  const show = (state) => {
    document.getElementById("stage").textContent = state.stage;
    const pct = Math.round(100 * (state.progress || 0));
    if (!bar) return;
    bar.style.width = `${pct}%`;
    bar.textContent = `${pct}%`;
    if (bar.parentElement) bar.parentElement.setAttribute("aria-valuenow", String(pct));
  };
  const finished = (state) => {
    const kinds = { done: "success", failed: "danger", cancelled: "secondary" };
    const text = box.dataset[`${state.status}Text`];
    try {
      if (text) sessionStorage.setItem(KEY, JSON.stringify({ text: text, kind: kinds[state.status] || "primary" }));
      // the frame's watch of the user's jobs (site.js) need not say it a second time
      if (box.dataset.jobKey) {
        const seen = JSON.parse(sessionStorage.getItem("innopoints-jobs") || "{}");
        seen[box.dataset.jobKey] = false;
        sessionStorage.setItem("innopoints-jobs", JSON.stringify(seen));
      }
    } catch (e) {
      // no storage: the page itself shows the outcome
    }
    window.location.reload();
  };
  const poll = () =>
    fetch(box.dataset.stateUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => r.json())
      .then((state) => {
        show(state);
        if (state.status === "queued" || state.status === "running") setTimeout(poll, every);
        else finished(state);
      })
      .catch(() => setTimeout(poll, every * 5));
  poll();
})();
