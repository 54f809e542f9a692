// The draft's weight table: each stage's running sum, shown as the weights are typed (the
// server checks the same sums when the form is saved).
document.addEventListener("DOMContentLoaded", () => {
  const table = document.getElementById("weights-table");
  if (!table) return;
  const update = () => {
    table.querySelectorAll("[data-sum-stage]").forEach((cell) => {
      const stage = cell.dataset.sumStage;
      let total = 0;
      table.querySelectorAll(`input[data-stage="${stage}"]`).forEach((input) => {
        const value = parseFloat(input.value);
        if (!Number.isNaN(value)) total += Math.round(value * 10000);
      });
      const shown = total / 10000;
      cell.querySelector(".sum-value").textContent = `${shown}%`;
      const ok = total === 1000000;
      cell.classList.toggle("text-success", ok);
      cell.classList.toggle("text-danger", !ok);
    });
  };
  table.addEventListener("input", update);
  update();
});
