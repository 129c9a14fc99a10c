import { runFargateTry } from './fargate-try.ts';

/**
 * The Fargate worker container's entry: `ecs:runTask.waitForTaskToken` starts it with one task try in its
 * environment; it runs the try (see fargate-try.ts), answers the token, then exits.
 */
const result = await runFargateTry(process.env);
console.log(JSON.stringify({ level: 'INFO', message: 'task done', result }));
