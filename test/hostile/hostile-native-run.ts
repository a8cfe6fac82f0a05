/** Runs test/hostile/hostile-native-child.js with a scenario, asynchronously (see spawn-node.ts). */
import * as path from 'node:path';
import { type NodeRun, spawnNode } from '../support/spawn-node';

const child = path.join(__dirname, 'hostile-native-child.js');

export function runScenario(...args: string[]): Promise<NodeRun> {
  return spawnNode([child, ...args]);
}
