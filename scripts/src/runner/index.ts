export { discoverServices, loadRunnerConfig, parseInstances, type RunnerConfig } from './config.js';
export { prettyLine } from './log-lines.js';
export { Runner } from './runner.js';
