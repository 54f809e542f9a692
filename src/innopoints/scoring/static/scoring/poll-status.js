// A run or a robustness analysis in progress: shows its stage and progress, and reloads the
// page when it has finished. The box carries data-state-url and data-status.
(function () {
  const box = document.querySelector("[data-state-url][data-status]");
  if (!box || (box.dataset.status !== "queued" && box.dataset.status !== "running")) return;
  const every = Number(box.dataset.pollMs || 1000);
  const poll = () => fetch(box.dataset.stateUrl, {credentials: "same-origin"}).then((r) => r.json())
    .then((s) => {
      document.getElementById("stage").textContent = s.stage;
      document.getElementById("bar").value = s.progress;
      if (s.status === "queued" || s.status === "running") setTimeout(poll, every);
      else window.location.reload();
    });
  poll();
})();
