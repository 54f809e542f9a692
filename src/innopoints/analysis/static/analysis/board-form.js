// 新建榜单: only the choices that matter for the chosen kind of list are shown (fields whose
// widget carries data-kinds="industry stage …"); everything stays in the form without script.
(function () {
  "use strict";
  const form = document.getElementById("board-form");
  const kind = form && form.querySelector("select[name=kind]");
  if (!kind) return;
  const show = () => {
    form.querySelectorAll("[data-kinds]").forEach((el) => {
      const box = el.closest(".ip-field");
      if (!box) return;
      const wanted = el.dataset.kinds.split(" ").includes(kind.value);
      box.classList.toggle("d-none", !wanted && !box.classList.contains("has-error"));
    });
  };
  kind.addEventListener("change", show);
  show();
})();
