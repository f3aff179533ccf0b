import { benchSlackProgress } from '../bench/slack-progress.js';
const t = performance.now();
console.log(await benchSlackProgress(), ((performance.now() - t) / 1000).toFixed(1));
process.exit(0);
