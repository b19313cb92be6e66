// Pan: the image follows the pointer.
import type { ViewerTool } from './tool';

export const panTool: ViewerTool = {
  id: 'pan',
  label: 'Pan',
  key: 'P',
  icon: '✥',
  move(d, ctx) {
    const v = d.startView;
    ctx.setView({ ...v, panX: v.panX + d.screen[0] - d.startScreen[0], panY: v.panY + d.screen[1] - d.startScreen[1] });
  },
};
