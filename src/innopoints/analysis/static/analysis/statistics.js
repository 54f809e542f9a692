// 统计分析: the histogram of totals and the enterprises per region, from the page's chart data.
(function () {
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const bar = (id, pairs) => {
    const box = document.getElementById(id);
    echarts.init(box).setOption({
      title: {text: box.dataset.title, textStyle: {fontSize: 13}}, tooltip: {},
      xAxis: {type: "category", data: pairs.map((p) => p[0]), axisLabel: {rotate: 40}},
      yAxis: {type: "value"}, series: [{type: "bar", data: pairs.map((p) => p[1])}]});
  };
  bar("histogram", data.histogram);
  bar("regions", data.regions);
})();
