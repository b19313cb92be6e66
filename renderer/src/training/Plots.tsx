/**
 * Draws a plot scene from common/plots as React SVG elements: the same drawing the HTML report
 * writes as markup, here built element by element (React escapes every text), so it needs no
 * markup string and nothing the page's Content-Security-Policy forbids.
 */
import { createElement, type ReactNode } from 'react';
import { trainingCurvesPlot, type EpochValues } from '../../../common/plots/charts';
import { DARK_PLOT_THEME, PLOT_ATTRIBUTES, type Plot, type PlotNode } from '../../../common/plots/scene';

function element(n: PlotNode, key: number): ReactNode {
  const props: Record<string, string | number> = { key };
  for (const [name, value] of Object.entries(n.attrs)) if (value !== undefined) props[PLOT_ATTRIBUTES[name as keyof typeof PLOT_ATTRIBUTES]] = value;
  const children: ReactNode[] = [];
  if (n.title !== undefined) children.push(<title key="title">{n.title}</title>);
  if (n.text !== undefined) children.push(n.text);
  n.children?.forEach((c, i) => children.push(element(c, i)));
  return createElement(n.tag, props, ...children);
}

/**
 * One plot, at its own size or narrower: it scales down with its container, never up, and never
 * makes the container wider (CSS width 100%: its min-content width is 0, not its drawn width).
 */
export function PlotView({ plot, testId }: { plot: Plot; testId?: string }) {
  return (
    <svg className="plot" width={plot.width} height={plot.height} viewBox={`0 0 ${plot.width} ${plot.height}`} role="img" aria-label={plot.label} data-testid={testId} style={{ width: '100%', maxWidth: plot.width, height: 'auto' }}>
      {plot.description && <desc>{plot.description}</desc>}
      {plot.nodes.map((n, i) => element(n, i))}
    </svg>
  );
}

/** Training and validation loss and validation AUC by epoch, as the run goes and after it. */
export function TrainingCurves({ history, width = 280 }: { history: readonly EpochValues[]; width?: number }) {
  if (history.length === 0) return null;
  return <PlotView plot={trainingCurvesPlot(history, DARK_PLOT_THEME, { width })} testId="training-curves" />;
}
