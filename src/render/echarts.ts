import { Resvg } from '@resvg/resvg-js';
import * as echarts from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';

echarts.use([SVGRenderer]);

/** The font every picture is drawn in (present on the servers; resvg falls back to it). */
export const FONT = 'DejaVu Sans, Arial, sans-serif';

/** An ECharts option drawn as SVG (Apache ECharts' server-side rendering, no browser). */
export function renderSvg(option: echarts.EChartsCoreOption, width: number, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption(option);
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** An SVG as PNG (resvg), at twice the size for sharp display. */
export function svgToPng(svg: string): Buffer {
  const png = new Resvg(svg, { fitTo: { mode: 'zoom', value: 2 }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, background: '#ffffff' }).render().asPng();
  return Buffer.from(png);
}
