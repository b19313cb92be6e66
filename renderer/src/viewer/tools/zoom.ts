// Zoom: a drag up enlarges, down shrinks; Ctrl+wheel (usePointer.ts) zooms by the same limits.
import type { ViewerTool } from './tool';

/** Zoom stays between 5% and 4000%. */
export function clampZoom(zoom: number): number {
  return Math.min(40, Math.max(0.05, zoom));
}

export const zoomTool: ViewerTool = {
  id: 'zoom',
  label: 'Zoom',
  key: 'Z',
  icon: '⌕',
  move(d, ctx) {
    const v = d.startView;
    ctx.setView({ ...v, zoom: clampZoom(v.zoom * Math.exp(-(d.screen[1] - d.startScreen[1]) / 150)) });
  },
};
