import {
  type Change,
  ChangeResourceRecordSetsCommand,
  GetChangeCommand,
  ListResourceRecordSetsCommand,
  type ListResourceRecordSetsCommandInput,
  type ResourceRecordSet,
  type Route53Client,
} from '@aws-sdk/client-route-53';
import {
  type DnsChange,
  DnsChangeNotFoundError,
  type DnsChangeStatus,
  type DnsProvider,
  type DnsRecordSet,
  DnsThrottledError,
  HostedZoneNotFoundError,
  InvalidDnsChangeError,
  normalizeZoneId,
  UnsupportedDnsRecordError,
  validateDnsChanges,
} from '../failover/ports/dns.ts';
import { type DnsRecordType, dnsRecordTypes, toFqdn } from '../plan/dns-names.ts';
import { awsErrorCode, errorMessage, unexpectedAwsError } from './errors.ts';

/**
 * Route 53 answers these while another change of the zone is still being applied, or when called too fast.
 * The SDK client retries them (sdk-config: adaptive mode); seen here they are its final answer.
 */
const ROUTE53_THROTTLED = new Set(['PriorRequestNotComplete', 'Throttling', 'ThrottlingException']);
const MAX_COMMENT_LENGTH = 256;

/** Options of the Route 53 adapter. */
export interface Route53DnsOptions {
  /**
   * Record sets per ListResourceRecordSets page.
   * @default 300
   */
  pageSize?: number;
}

/** DnsProvider over Route 53 (ListResourceRecordSets, ChangeResourceRecordSets, GetChange). */
export class Route53Dns implements DnsProvider {
  private readonly pageSize: number;

  constructor(
    private readonly route53: Route53Client,
    options: Route53DnsOptions = {},
  ) {
    this.pageSize = options.pageSize ?? 300;
  }

  /** The A/AAAA/CNAME record sets at each name, paging until the listing moves past the name. */
  async currentRecords(zoneId: string, names: readonly string[]): Promise<DnsRecordSet[]> {
    const zone = normalizeZoneId(zoneId);
    const wanted = [...new Set(names.map(toFqdn))];
    const records: DnsRecordSet[] = [];
    for (const name of wanted) {
      let page: ListResourceRecordSetsCommandInput | undefined = {
        HostedZoneId: zone,
        StartRecordName: name,
        MaxItems: this.pageSize,
      };
      while (page) {
        const input: ListResourceRecordSetsCommandInput = page;
        const out = await this.call('ListResourceRecordSets', zone, () =>
          this.route53.send(new ListResourceRecordSetsCommand(input)),
        );
        page = undefined;
        let pastName = false;
        for (const set of out.ResourceRecordSets ?? []) {
          if (toFqdn(set.Name ?? '') !== name) {
            pastName = true;
            break;
          }
          if (dnsRecordTypes.includes(set.Type as DnsRecordType)) records.push(fromRoute53(set));
        }
        if (!pastName && out.IsTruncated && out.NextRecordName && toFqdn(out.NextRecordName) === name) {
          page = {
            ...input,
            StartRecordName: out.NextRecordName,
            StartRecordType: out.NextRecordType,
            StartRecordIdentifier: out.NextRecordIdentifier,
          };
        }
      }
    }
    return records;
  }

  /** Submits the batch atomically; resolves with the bare change id (`C123...`). */
  async changeRecords(zoneId: string, changes: readonly DnsChange[], comment: string): Promise<string> {
    const zone = normalizeZoneId(zoneId);
    validateDnsChanges(changes);
    const batch: Change[] = changes.map((change) => ({
      Action: change.action,
      ResourceRecordSet: toRoute53(change.record),
    }));
    const out = await this.call('ChangeResourceRecordSets', zone, () =>
      this.route53.send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: zone,
          ChangeBatch: { Comment: comment.slice(0, MAX_COMMENT_LENGTH), Changes: batch },
        }),
      ),
    );
    const id = out.ChangeInfo?.Id;
    if (!id) throw new Error(`hosted zone ${zone}: ChangeResourceRecordSets returned no change id`);
    return id.replace(/^\/change\//, '');
  }

  /** PENDING until every Route 53 name server answers with the change, then INSYNC. */
  async changeStatus(changeId: string): Promise<DnsChangeStatus> {
    const id = changeId.replace(/^\/change\//, '');
    if (!/^[A-Z0-9]{1,32}$/.test(id)) {
      throw new InvalidDnsChangeError(
        `change id ${JSON.stringify(changeId)}`,
        'expected /change/<ID> or <ID>',
      );
    }
    const out = await this.call('GetChange', id, () => this.route53.send(new GetChangeCommand({ Id: id })));
    const status = out.ChangeInfo?.Status;
    if (status !== 'PENDING' && status !== 'INSYNC') {
      throw new Error(`DNS change ${id}: Route 53 reported unknown status ${String(status)}`);
    }
    return status;
  }

  /**
   * Runs one Route 53 call and maps its final error. No retry here: the SDK client already retried
   * throttling, and a second layer would multiply the requests one change can cause.
   */
  private async call<T>(operation: string, target: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      if (ROUTE53_THROTTLED.has(awsErrorCode(error) ?? '')) {
        throw new DnsThrottledError(operation, sdkAttempts(error), { cause: error });
      }
      switch (awsErrorCode(error)) {
        case 'NoSuchHostedZone':
          throw new HostedZoneNotFoundError(target, { cause: error });
        case 'NoSuchChange':
          throw new DnsChangeNotFoundError(target, { cause: error });
        case 'InvalidChangeBatch': {
          const messages = (error as { messages?: string[] }).messages;
          const detail = messages && messages.length > 0 ? messages.join('; ') : errorMessage(error);
          throw new InvalidDnsChangeError(`changes of hosted zone ${target}`, detail, { cause: error });
        }
        case 'InvalidInput':
          throw new InvalidDnsChangeError(`${operation} on ${target}`, errorMessage(error), { cause: error });
        default:
          throw unexpectedAwsError('Route 53', operation, target, error);
      }
    }
  }
}

/** Requests the SDK client made for one call, from the error's $metadata (1 when it says nothing). */
function sdkAttempts(error: unknown): number {
  const attempts = (error as { $metadata?: { attempts?: unknown } }).$metadata?.attempts;
  return typeof attempts === 'number' && attempts >= 1 ? attempts : 1;
}

function toRoute53(record: DnsRecordSet): ResourceRecordSet {
  return {
    Name: toFqdn(record.name),
    Type: record.type,
    ...(record.setIdentifier !== undefined ? { SetIdentifier: record.setIdentifier } : {}),
    ...(record.failover !== undefined ? { Failover: record.failover } : {}),
    ...(record.weight !== undefined ? { Weight: record.weight } : {}),
    ...(record.region !== undefined ? { Region: record.region as ResourceRecordSet['Region'] } : {}),
    ...(record.healthCheckId !== undefined ? { HealthCheckId: record.healthCheckId } : {}),
    ...(record.alias
      ? {
          AliasTarget: {
            HostedZoneId: record.alias.hostedZoneId,
            DNSName: record.alias.dnsName,
            EvaluateTargetHealth: record.alias.evaluateTargetHealth,
          },
        }
      : { TTL: record.ttl, ResourceRecords: (record.values ?? []).map((Value) => ({ Value })) }),
  };
}

function fromRoute53(set: ResourceRecordSet): DnsRecordSet {
  const name = toFqdn(set.Name ?? '');
  const label = `${name} ${set.Type}${set.SetIdentifier ? ` ${set.SetIdentifier}` : ''}`;
  const unsupported = (
    [
      ['GeoLocation', set.GeoLocation],
      ['GeoProximityLocation', set.GeoProximityLocation],
      ['CidrRoutingConfig', set.CidrRoutingConfig],
      ['MultiValueAnswer', set.MultiValueAnswer],
      ['TrafficPolicyInstanceId', set.TrafficPolicyInstanceId],
    ] as const
  ).find(([, value]) => value !== undefined && value !== false);
  if (unsupported) {
    throw new UnsupportedDnsRecordError(label, `${unsupported[0]} routing cannot be restored on failback`);
  }
  return {
    name,
    type: set.Type as DnsRecordType,
    ...(set.AliasTarget
      ? {
          alias: {
            hostedZoneId: set.AliasTarget.HostedZoneId ?? '',
            dnsName: set.AliasTarget.DNSName ?? '',
            evaluateTargetHealth: set.AliasTarget.EvaluateTargetHealth ?? false,
          },
        }
      : { ttl: set.TTL ?? 0, values: (set.ResourceRecords ?? []).map((r) => r.Value ?? '') }),
    ...(set.SetIdentifier !== undefined ? { setIdentifier: set.SetIdentifier } : {}),
    ...(set.Failover !== undefined ? { failover: set.Failover } : {}),
    ...(set.Weight !== undefined ? { weight: set.Weight } : {}),
    ...(set.Region !== undefined ? { region: set.Region } : {}),
    ...(set.HealthCheckId !== undefined ? { healthCheckId: set.HealthCheckId } : {}),
  };
}
