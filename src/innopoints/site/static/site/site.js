// Every page: language menu, searchable selects (Tom Select), toasts for background work.
(function () {
  "use strict";
  const zh = (document.documentElement.lang || "zh-hans").toLowerCase().startsWith("zh");
  const words = zh
    ? { none: "无匹配项", add: "添加", remove: "移除", close: "关闭" }
    : { none: "No match", add: "Add", remove: "Remove", close: "Close" };

  // The language menu takes effect when a language is chosen.
  function languageMenus(root) {
    root.querySelectorAll("select[data-submit-on-change]").forEach((select) => {
      select.addEventListener("change", () => select.form.submit());
    });
  }

  // Multi-selects and long selects become searchable (no ctrl-click over 40 indicators or
  // thousands of regions); data-search="off" keeps a plain select.
  function searchableSelects(root) {
    if (typeof window.TomSelect !== "function") return;
    root.querySelectorAll("select").forEach((select) => {
      if (select.tomselect || select.dataset.search === "off" || select.dataset.submitOnChange !== undefined) return;
      const long = select.options.length > 12;
      if (!select.multiple && !long && select.dataset.search === undefined) return;
      const plugins = select.multiple ? { remove_button: { title: words.remove } } : {};
      const options = {
        plugins: plugins,
        maxOptions: null,
        hidePlaceholder: true,
        render: { no_results: () => `<div class="no-results">${words.none}</div>` },
      };
      if (select.dataset.searchUrl) {
        // server-side search for lists too long to ship (enterprises, regions)
        options.valueField = "value";
        options.labelField = "label";
        options.searchField = ["label"];
        options.load = (query, callback) => {
          const url = new URL(select.dataset.searchUrl, window.location.href);
          url.searchParams.set("q", query);
          fetch(url, { headers: { Accept: "application/json" } })
            .then((r) => r.json())
            .then((data) => callback(data.results))
            .catch(() => callback());
        };
      }
      new window.TomSelect(select, options);
      // Tom Select hides the select; keep the label pointing at what can be focused
      const label = select.id && document.querySelector(`label[for="${select.id}"]`);
      const input = select.tomselect && select.tomselect.control_input;
      if (label && input) {
        input.id = `${select.id}-ts`;
        label.setAttribute("for", input.id);
      }
    });
  }

  // Toasts: innopoints.toast("导入完成", "success") from any page script; elements with
  // data-toast (e.g. a background job's outcome) are shown once on load.
  function toast(message, kind) {
    const box = document.getElementById("toasts");
    if (!box) return;
    const el = document.createElement("div");
    el.className = `toast align-items-center text-bg-${kind || "primary"} border-0`;
    el.setAttribute("role", kind === "danger" ? "alert" : "status");
    const row = document.createElement("div");
    row.className = "d-flex";
    const body = document.createElement("div");
    body.className = "toast-body";
    body.textContent = message;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close btn-close-white me-2 m-auto";
    close.setAttribute("data-bs-dismiss", "toast");
    close.setAttribute("aria-label", words.close);
    row.append(body, close);
    el.append(row);
    box.append(el);
    if (window.bootstrap) new window.bootstrap.Toast(el, { delay: 6000 }).show();
    el.addEventListener("hidden.bs.toast", () => el.remove());
  }

  function pendingToasts(root) {
    root.querySelectorAll("[data-toast]").forEach((el) => {
      toast(el.dataset.toast, el.dataset.toastKind);
      el.removeAttribute("data-toast");
    });
  }

  function printButtons(root) {
    root.querySelectorAll("[data-print]").forEach((el) => el.addEventListener("click", () => window.print()));
  }

  function init(root) {
    languageMenus(root);
    printButtons(root);
    searchableSelects(root);
    pendingToasts(root);
  }

  window.innopoints = Object.assign(window.innopoints || {}, { toast: toast, init: init });
  document.addEventListener("DOMContentLoaded", () => init(document));
  // parts swapped in by htmx get the same treatment
  document.addEventListener("htmx:afterSettle", (event) => init(event.detail.elt));
})();
