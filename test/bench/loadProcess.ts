// Child-process entry for the load generator: options as JSON in argv[2], result as JSON on stdout.
import { runLoad, type LoadOptions } from './load.ts';

const result = await runLoad(JSON.parse(process.argv[2]!) as LoadOptions);
process.stdout.write(JSON.stringify(result));
