import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from 'chart.js';
import type { UsageDay } from '../../../../contract/http/account';
import { formatDay, formatMb } from '../../lib/format';
import type { Theme } from '../../lib/preferences';

// Only what the daily usage bars need, so the rest of Chart.js stays out of the bundle.
Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);
Chart.defaults.font.family =
  "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', 'Noto Sans', Arial, sans-serif";

interface ChartColors {
  bar: string;
  barHover: string;
  grid: string;
  text: string;
  tooltipBg: string;
  tooltipText: string;
}

/** Chart colours per theme (a canvas cannot read CSS custom properties by itself). */
const CHART_COLORS: Record<Theme, ChartColors> = {
  light: {
    bar: '#6d28d9',
    barHover: '#4c1d95',
    grid: '#e6e3ef',
    text: '#55526a',
    tooltipBg: '#1c1a24',
    tooltipText: '#ffffff',
  },
  dark: {
    bar: '#a98bff',
    barHover: '#c9b5ff',
    grid: '#302c3f',
    text: '#b1acc4',
    tooltipBg: '#eeebf6',
    tooltipText: '#1c1a24',
  },
};

export interface DailyUsageChartInput {
  days: UsageDay[];
  theme: Theme;
  locale: string;
}

/** Draws the cycle's daily data use as bars on `canvas`; destroy the result to remove it. */
export function drawDailyUsage(
  canvas: HTMLCanvasElement,
  { days, theme, locale }: DailyUsageChartInput,
): Chart<'bar'> {
  const colors = CHART_COLORS[theme];
  const reduceMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  return new Chart(canvas, {
    type: 'bar',
    data: {
      labels: days.map((day) => formatDay(day.date, locale, 'short')),
      datasets: [
        {
          data: days.map((day) => day.dataMb),
          backgroundColor: colors.bar,
          hoverBackgroundColor: colors.barHover,
          borderRadius: 4,
          maxBarThickness: 22,
        },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: reduceMotion ? false : { duration: 250 },
      locale,
      plugins: {
        tooltip: {
          backgroundColor: colors.tooltipBg,
          titleColor: colors.tooltipText,
          bodyColor: colors.tooltipText,
          displayColors: false,
          callbacks: { label: (item) => formatMb(item.parsed.y ?? 0, locale) },
        },
      },
      scales: {
        x: {
          grid: { display: false },
          border: { color: colors.grid },
          ticks: { color: colors.text, maxRotation: 0, autoSkip: true, maxTicksLimit: 8 },
        },
        y: {
          beginAtZero: true,
          grid: { color: colors.grid },
          border: { display: false },
          ticks: {
            color: colors.text,
            maxTicksLimit: 5,
            callback: (value) => formatMb(Number(value), locale),
          },
        },
      },
    },
  });
}
