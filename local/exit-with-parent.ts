/**
 * Preloaded (`--import`) into every process the local platform starts, so none outlives it and
 * keeps its ports or its work going after the platform is gone.
 */
import { onParentExit } from './parent-watch.ts';

onParentExit(() => process.exit(0));
