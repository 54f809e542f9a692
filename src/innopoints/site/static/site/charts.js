// Charts: every <div data-chart="ID"> is drawn by ECharts from the option in the JSON script
// element ID, composed on the server (site/charts.py). An option that names the map "sichuan"
// gets the province's divisions (site/geo/sichuan.json) registered first.
(function () {
  "use strict";
  const palette = ["#0b4f9c", "#d9822b", "#2a9d8f", "#b8241c", "#6c5ce7", "#8d99ae", "#e9c46a", "#264653"];
  const charts = [];
  let sichuan = null;

  function needsSichuan(option) {
    return JSON.stringify(option.series || []).includes('"map":"sichuan"') || (option.geo && option.geo.map === "sichuan");
  }

  function loadSichuan(url) {
    if (!sichuan) {
      sichuan = fetch(url)
        .then((r) => r.json())
        .then((geo) => window.echarts.registerMap("sichuan", geo));
    }
    return sichuan;
  }

  function draw(el) {
    const source = document.getElementById(el.dataset.chart);
    if (!source || !window.echarts) return;
    const option = JSON.parse(source.textContent);
    option.color = option.color || palette;
    option.textStyle = Object.assign({ fontFamily: getComputedStyle(document.body).fontFamily }, option.textStyle || {});
    option.aria = Object.assign({ enabled: true }, option.aria || {});
    // users who asked their system for less motion get the chart drawn at once (so does print)
    if (window.matchMedia("(prefers-reduced-motion: reduce)").matches) option.animation = false;
    const render = () => {
      const chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option);
      charts.push(chart);
      el.dataset.drawn = "1";
    };
    if (needsSichuan(option)) loadSichuan(el.dataset.mapUrl).then(render);
    else render();
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("[data-chart]").forEach(draw);
  });
  let timer = null;
  window.addEventListener("resize", () => {
    clearTimeout(timer);
    timer = setTimeout(() => charts.forEach((chart) => chart.resize()), 150);
  });
  window.addEventListener("beforeprint", () => charts.forEach((chart) => chart.resize()));
})();
