import { parsePlan } from '../src/plan/index.ts';
const base = { name: 'shop', primary: { region: 'eu-west-1', clusterName: 'a', backupBucket: 'bucket-aaa' }, dr: { region: 'eu-central-1', clusterName: 'b', backupBucket: 'bucket-bbb', nodeGroups: [{name:'apps', pilotLightSize:{min:0,desired:0,max:2}, targetSize:{min:1,desired:1,max:2}}] }, objectives: { rtoMinutes: 30, rpoMinutes: 60 } };
for (const hc of [{ url: 'http://x/h', timeoutSeconds: 99 }, { url: 'http://x/h', route53HealthCheckId: 'abc' }, { primary: { url: 'ftp://x' } }, {}, { url: 'http://x/h' }, {primary:{url:'http://p/h'}, dr:{url:'http://d/h'}}]) {
  try { console.log(JSON.stringify(parsePlan({ ...base, healthCheck: hc }, 't').healthCheck)); } catch (e) { console.log((e as Error).message); }
}
