import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { translator } from '../src/http/locale.ts';
import { lookupNetwork, networkWords, sameNetwork } from '../src/login/network.ts';

// Addresses and what ip2region 2.3.0 (pinned in package.json) says about them.
const ALIYUN_HANGZHOU = '223.5.5.5';
const TELECOM_GUANGZHOU = '202.96.128.86';
const TELECOM_SHENZHEN = '202.96.134.133';
const TELECOM_BEIJING = '218.30.1.1';
const MOBILE_BEIJING = '39.156.66.10';
const MOBILE_BEIJING_V6 = '2409:8a00::1';
const TELECOM_NANJING_V6 = '240e:3a1::1';

describe('where an address is, in words a person recognises', () => {
  it('a public IPv4 address has its province, city and operator from the database in the package', () => {
    assert.deepEqual(lookupNetwork(ALIYUN_HANGZHOU), { region: '浙江省 杭州市', network: '阿里云', private: false, loopback: false });
    assert.deepEqual(lookupNetwork(TELECOM_GUANGZHOU), { region: '广东省 广州市', network: '电信', private: false, loopback: false });
  });

  it('a municipality is named once ("北京市", not "北京 北京市")', () => {
    assert.equal(lookupNetwork(TELECOM_BEIJING).region, '北京市');
  });

  it('an address abroad names its country', () => {
    assert.equal(lookupNetwork('8.8.8.8').region, '美国');
  });

  it('IPv6 addresses are looked up too (phones on Chinese mobile networks mostly have one)', () => {
    assert.deepEqual(lookupNetwork(MOBILE_BEIJING_V6), { region: '北京市', network: '中国移动公众宽带', private: false, loopback: false });
    assert.deepEqual(lookupNetwork(TELECOM_NANJING_V6), { region: '江苏省 南京市', network: '中国电信公众宽带', private: false, loopback: false });
  });

  it('an IPv4-mapped IPv6 address (as Node reports IPv4 on a dual-stack socket) is its IPv4 address', () => {
    assert.deepEqual(lookupNetwork(`::ffff:${ALIYUN_HANGZHOU}`), lookupNetwork(ALIYUN_HANGZHOU));
  });

  it('loopback is private and the server\'s own machine, on IPv4 and IPv6, and is never looked up', () => {
    for (const ip of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) {
      assert.deepEqual(lookupNetwork(ip), { region: null, network: null, private: true, loopback: true }, ip);
    }
  });

  it('private, link-local, carrier-grade NAT and unique-local addresses are private, with no region', () => {
    for (const ip of ['10.1.2.3', '172.16.0.1', '172.31.255.254', '192.168.1.1', '169.254.1.1', '100.64.0.1', 'fd00::1', 'fe80::1']) {
      assert.deepEqual(lookupNetwork(ip), { region: null, network: null, private: true, loopback: false }, ip);
    }
    assert.equal(lookupNetwork('172.32.0.1').private, false, 'just outside 172.16.0.0/12 is public');
  });

  it('a missing or unreadable address is unknown, never an error', () => {
    for (const ip of [undefined, null, '', ' ', 'localhost', '999.1.1.1', '1.2.3', 'not an ip', '::g']) {
      assert.deepEqual(lookupNetwork(ip), { region: null, network: null, private: false, loopback: false }, String(ip));
    }
  });

  it('what the database cannot say is said in the person\'s language', () => {
    const en = translator('en');
    const zh = translator('zh-CN');
    assert.deepEqual(networkWords(lookupNetwork(ALIYUN_HANGZHOU), en), { region: '浙江省 杭州市', network: '阿里云' });
    assert.deepEqual(networkWords(lookupNetwork('not an ip'), en), { region: 'unknown', network: 'unknown' });
    assert.deepEqual(networkWords(lookupNetwork('not an ip'), zh), { region: '未知', network: '未知' });
    assert.deepEqual(networkWords(lookupNetwork('192.168.1.1'), en), { region: 'Local network (private address)', network: 'Local network (private address)' });
    assert.deepEqual(networkWords(lookupNetwork('127.0.0.1'), zh), { region: '服务器本机', network: '服务器本机' });
  });
});

describe('whether the browser and the phone are on one network', () => {
  it('the same address, or the same IPv4 /24, is the same network', () => {
    assert.equal(sameNetwork(ALIYUN_HANGZHOU, ALIYUN_HANGZHOU), 'same');
    assert.equal(sameNetwork('223.5.5.5', '223.5.5.200'), 'same');
    assert.equal(sameNetwork('223.5.5.5', '::ffff:223.5.5.9'), 'same');
  });

  it('the same IPv6 /48 is the same network; another /48 is not', () => {
    assert.equal(sameNetwork('240e:3a1:1234:1::1', '240e:3a1:1234:ffff::2'), 'same');
    assert.equal(sameNetwork('240e:3a1:1234::1', '240E:03A1:1234:0:0:0:0:9'), 'same', 'however it is spelled');
    assert.notEqual(sameNetwork('240e:3a1:1234::1', '240e:3a1:1235::1'), 'same');
  });

  it('loopback and loopback is one machine; two private addresses are similar', () => {
    assert.equal(sameNetwork('127.0.0.1', '::1'), 'same');
    assert.equal(sameNetwork('10.0.0.1', '192.168.0.2'), 'similar');
    assert.equal(sameNetwork('127.0.0.1', '192.168.0.2'), 'similar');
  });

  it('a private address and a public one are different networks', () => {
    assert.equal(sameNetwork('192.168.1.10', ALIYUN_HANGZHOU), 'different');
    assert.equal(sameNetwork('127.0.0.1', MOBILE_BEIJING_V6), 'different');
  });

  it('one province and one operator is similar, across IPv4 and IPv6 and however the database spells them', () => {
    assert.equal(sameNetwork(TELECOM_GUANGZHOU, TELECOM_SHENZHEN), 'similar', '广东省, 电信');
    assert.equal(sameNetwork(MOBILE_BEIJING, MOBILE_BEIJING_V6), 'similar', '"北京"/"移动" over IPv4, "北京市"/"中国移动公众宽带" over IPv6');
  });

  it('another province or another operator is a different network', () => {
    assert.equal(sameNetwork(ALIYUN_HANGZHOU, TELECOM_GUANGZHOU), 'different', 'Zhejiang Aliyun vs Guangdong Telecom');
    assert.equal(sameNetwork(TELECOM_BEIJING, MOBILE_BEIJING), 'different', 'Beijing Telecom vs Beijing Mobile');
    assert.equal(sameNetwork(TELECOM_BEIJING, TELECOM_NANJING_V6), 'different', 'Beijing vs Jiangsu');
  });

  it('a missing address, or one the database knows too little about, is unknown (no warning)', () => {
    assert.equal(sameNetwork(undefined, ALIYUN_HANGZHOU), 'unknown');
    assert.equal(sameNetwork(ALIYUN_HANGZHOU, ''), 'unknown');
    assert.equal(sameNetwork('garbage', 'garbage'), 'unknown', 'two unreadable values are not "the same address"');
    assert.equal(sameNetwork('1.1.1.1', '1.0.0.1'), 'unknown', 'both Australia, operator unknown');
  });
});
