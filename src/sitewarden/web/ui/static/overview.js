// Overview charts: fetch aggregated series from /ui/charts.json and draw them with the vendored Chart.js.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const anchor = document.getElementById("chart-per-day");
  if (!anchor || typeof Chart === "undefined") return;
  fetch(anchor.dataset.src, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error("HTTP " + r.status))))
    .then((data) => {
      new Chart(anchor, {
        type: "bar",
        data: { labels: data.per_day.labels, datasets: data.per_day.datasets },
        options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
      });
      new Chart(document.getElementById("chart-tta"), {
        type: "bar",
        data: { labels: data.time_to_action.labels, datasets: [{ label: "hours (" + data.time_to_action.count + " cases)", data: data.time_to_action.data }] },
        options: { animation: false, responsive: true, maintainAspectRatio: false, scales: { y: { beginAtZero: true } } },
      });
      new Chart(document.getElementById("chart-sla"), {
        type: "doughnut",
        data: { labels: data.sla.labels, datasets: [{ data: data.sla.data, backgroundColor: ["#1f7a3a", "#d99a00", "#b3261e", "#9aa6bd"] }] },
        options: { animation: false, responsive: true, maintainAspectRatio: false },
      });
      anchor.dataset.drawn = "1";
    })
    .catch((err) => { anchor.replaceWith(document.createTextNode("Charts unavailable: " + err.message)); });
});
