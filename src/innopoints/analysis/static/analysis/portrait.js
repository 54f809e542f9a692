// 企业画像: the radar of first-level indicators and the trend of totals over runs.
(function () {
  const data = JSON.parse(document.getElementById("chart-data").textContent);
  const radarBox = document.getElementById("radar");
  const names = radarBox.dataset;
  const radar = echarts.init(radarBox);
  radar.setOption({
    legend: {bottom: 0, data: [names.mine, names.median, names.p90]},
    radar: {indicator: data.axes, radius: "62%"},
    series: [{type: "radar", data: [
      {value: data.mine, name: names.mine, areaStyle: {opacity: 0.3}},
      {value: data.median, name: names.median},
      {value: data.p90, name: names.p90}]}]
  });
  const trendBox = document.getElementById("trend");
  const trend = echarts.init(trendBox);
  trend.setOption({
    title: {text: trendBox.dataset.title, textStyle: {fontSize: 13}},
    xAxis: {type: "category", data: data.trend.map((t) => "#" + t.run + " " + t.period)},
    yAxis: {type: "value"}, tooltip: {trigger: "axis"},
    series: [{type: "line", data: data.trend.map((t) => t.total.toFixed(2))}]
  });
  window.innopointsCharts = {radar: radar, trend: trend};
})();
