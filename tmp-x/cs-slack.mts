import { benchSlackProgress } from '../bench/slack-progress.js';
const { benchCompiledStart } = await import('../bench/compiled-start.js');
console.log(await benchCompiledStart());
const t = performance.now();
const timer = setInterval(() => console.log('alive', ((performance.now() - t) / 1000).toFixed(0)), 20000);
console.log(await benchSlackProgress(), ((performance.now() - t) / 1000).toFixed(1));
clearInterval(timer);
process.exit(0);
