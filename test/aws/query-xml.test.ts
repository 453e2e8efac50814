import { describe, expect, it } from 'vitest';
import { parseXml, XmlParseError } from '../../src/aws/query-xml.ts';

describe('parseXml', () => {
  it('reads nested EC2 item lists after the declaration, ignoring attributes and whitespace', () => {
    // Arrange
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<DescribeSnapshotsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>r-1</requestId>
    <snapshotSet>
        <item>
            <snapshotId>snap-1</snapshotId>
            <tagSet><item><key>a</key><value>1</value></item><item><key>b</key><value/></item></tagSet>
        </item>
        <item><snapshotId>snap-2</snapshotId></item>
    </snapshotSet>
    <nextToken/>
</DescribeSnapshotsResponse>
`;

    // Act
    const root = parseXml(xml);

    // Assert
    expect(root.name).toBe('DescribeSnapshotsResponse');
    expect(root.textOf('requestId')).toBe('r-1');
    const snapshots = root.items('snapshotSet');
    expect(snapshots.map((s) => s.textOf('snapshotId'))).toEqual(['snap-1', 'snap-2']);
    expect(snapshots[0]?.items('tagSet').map((t) => [t.textOf('key'), t.textOf('value')])).toEqual([
      ['a', '1'],
      ['b', ''],
    ]);
    expect(root.textOf('nextToken')).toBe('');
    expect(root.textOf('missing')).toBeUndefined();
    expect(root.items('missing')).toEqual([]);
  });

  it('decodes the predefined entities, character references and CDATA, and skips comments', () => {
    // Arrange
    const xml =
      '<r><m>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos; &#233;&#x1F600;</m><!-- note --><c><![CDATA[<raw & text>]]></c></r>';

    // Act
    const root = parseXml(xml);

    // Assert
    expect(root.textOf('m')).toBe('a & b <c> "d" \'e\' é😀');
    expect(root.textOf('c')).toBe('<raw & text>');
    expect(root.children.map((c) => c.name)).toEqual(['m', 'c']);
  });

  it.each([
    ['<a><b></a>', 1, 7, 'expected </b>'],
    ['<a>\n  <b>x &nbsp; y</b></a>', 2, 8, 'unknown entity &nbsp;'],
    ['<a>fish & chips</a>', 1, 9, 'a bare &'],
    ['<a></a><b/>', 1, 8, 'a second root element <b>'],
    ['<a x=1></a>', 1, 3, 'malformed attribute'],
    ['<a>\n<b>', 2, 4, 'unexpected end of input inside <b>'],
    ['<!DOCTYPE a [<!ENTITY x "y">]><a/>', 1, 1, 'DOCTYPE'],
    ['Service Unavailable', 1, 1, 'text outside the root element'],
    ['', 1, 1, 'no root element'],
  ])('rejects %j at line %i, column %i', (xml, line, column, problem) => {
    // Arrange
    let caught: unknown;

    // Act
    try {
      parseXml(xml);
    } catch (error) {
      caught = error;
    }

    // Assert
    expect(caught).toBeInstanceOf(XmlParseError);
    expect(caught).toMatchObject({ line, column });
    expect((caught as Error).message).toContain(`XML at line ${line}, column ${column}: `);
    expect((caught as Error).message).toContain(problem);
  });

  it('parses a DescribeVolumes answer of a few hundred KB quickly', () => {
    // Arrange
    const item = (i: number): string =>
      `<item><volumeId>vol-${i}</volumeId><size>8</size><availabilityZone>eu-west-1a</availabilityZone><status>available</status><tagSet><item><key>k&amp;${i}</key><value>v</value></item></tagSet></item>`;
    const xml = `<DescribeVolumesResponse><volumeSet>${Array.from({ length: 2000 }, (_, i) => item(i)).join('\n')}</volumeSet></DescribeVolumesResponse>`;

    // Act
    const started = performance.now();
    const root = parseXml(xml);
    const elapsed = performance.now() - started;

    // Assert
    expect(xml.length).toBeGreaterThan(300_000);
    expect(root.items('volumeSet')).toHaveLength(2000);
    expect(root.items('volumeSet')[1999]?.items('tagSet')[0]?.textOf('key')).toBe('k&1999');
    expect(elapsed).toBeLessThan(500);
  });
});
