// Loaded with --import into a forked engine: gives it Electron's utility-process
// channel (process.parentPort: postMessage, and 'message' events carrying
// { data }) over Node's IPC channel, and takes process.send away, so the engine
// can only answer the way it does inside the desktop app.
const send = process.send.bind(process);
const listeners = [];
process.on('message', (data) => {
  for (const listener of listeners) listener({ data });
});
process.parentPort = {
  postMessage: (message) => send(message),
  on: (event, listener) => {
    if (event === 'message') listeners.push(listener);
  },
};
process.send = undefined;
