// Window/level: a drag right widens the window, a drag down raises its centre; grey images only.
import { windowDragged } from '../window';
import type { ViewerTool } from './tool';

export const windowLevelTool: ViewerTool = {
  id: 'wl',
  label: 'Window/level',
  key: 'W',
  icon: '◐',
  move(d, ctx) {
    // Grey images only: a colour image is shown as stored, and the corner shows no window for it.
    if (ctx.frame.frame.samplesPerPixel !== 1) return;
    const [dx, dy] = [d.screen[0] - d.startScreen[0], d.screen[1] - d.startScreen[1]];
    const v = d.startView;
    ctx.setPreset('custom');
    ctx.setView({ ...v, ...windowDragged(ctx.frame.frame, v, dx, dy) });
  },
};
