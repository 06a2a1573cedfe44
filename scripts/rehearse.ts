// `npm run rehearse`: a real `osls deploy` onto moto_server, the deployed zips run end to end, then
// `osls remove` (see lib/rehearsal/rehearse.ts). Exit status 1 on any failed check.
import { rehearse } from '../lib/rehearsal/rehearse.ts';

const result = await rehearse();
console.log(`\n${result.summary}`);
process.exit(result.ok ? 0 : 1);
