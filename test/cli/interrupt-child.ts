// A command's stand-in for test/cli/interrupt.test.ts: it works until stopped, and says when its signal aborts.
import { catchInterrupt } from '../../electron/cli/interrupt';

const mode = process.argv[2];
const interrupt = catchInterrupt({ secondExits: mode !== 'every-aborts' });
let aborts = 0;
process.on('SIGINT', () => process.stdout.write(`sigint ${++aborts} aborted=${interrupt.signal.aborted}\n`));
if (mode === 'released') interrupt.release();
process.stdout.write('ready\n');
setInterval(() => undefined, 1000);
