import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { escapeXml, parseXml, serializeXml } from '../../../functions/common/xml.js';

function xmlErrorCode(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('parseXml', () => {
  it('decodes numeric character references', () => {
    assert.equal(parseXml('<a>&#60;x&#x3e; caf&#233; &#x1F600;</a>').text, '<x> café 😀');
  });

  it('decodes predefined entities once', () => {
    assert.equal(parseXml('<a>&amp;#60; &lt;&gt;&quot;&apos;</a>').text, '&#60; <>"\'');
  });

  it('decodes references in attribute values', () => {
    assert.deepEqual(parseXml('<a b="&#65;&amp;&lt;"/>').attributes, { b: 'A&<' });
  });

  it('keeps CDATA content as written', () => {
    assert.equal(parseXml('<a><![CDATA[&amp; <b>]]></a>').text, '&amp; <b>');
  });

  it('rejects an undeclared entity', () => {
    assert.equal(xmlErrorCode(() => parseXml('<a>&nbsp;</a>')), 'XML_MALFORMED');
  });

  it('rejects a reference to an illegal character', () => {
    assert.equal(xmlErrorCode(() => parseXml('<a>&#0;</a>')), 'XML_MALFORMED');
  });

  it('rejects DOCTYPE and ENTITY declarations', () => {
    assert.equal(xmlErrorCode(() => parseXml('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>')), 'XML_DECLARATION_REJECTED');
  });

  it('rejects input over the size limit', () => {
    assert.equal(xmlErrorCode(() => parseXml(`<a>${'x'.repeat(100)}</a>`, { maxBytes: 50 })), 'XML_TOO_LARGE');
  });

  it('rejects mismatched tags', () => {
    assert.equal(xmlErrorCode(() => parseXml('<a><b></a>')), 'XML_MALFORMED');
  });

  it('resolves prefixed and default namespaces to the same URI', () => {
    const prefixed = parseXml('<n:a xmlns:n="urn:x"><n:b/></n:a>');
    const unprefixed = parseXml('<a xmlns="urn:x"><b/></a>');
    assert.equal(prefixed.namespace, 'urn:x');
    assert.equal(prefixed.children[0]!.namespace, 'urn:x');
    assert.equal(prefixed.localName, unprefixed.localName);
    assert.equal(prefixed.children[0]!.namespace, unprefixed.children[0]!.namespace);
  });

  it('rejects an undeclared prefix', () => {
    assert.equal(xmlErrorCode(() => parseXml('<n:a/>')), 'XML_MALFORMED');
  });
});

describe('escapeXml and serializeXml', () => {
  it('round-trips text with markup characters', () => {
    const text = `a<b>&"c'`;
    assert.equal(parseXml(`<x>${escapeXml(text)}</x>`).text, text);
  });

  it('serializes an element that parses back to the same tree', () => {
    const element = parseXml('<a xmlns="urn:x"><b c="1&amp;">t&lt;</b></a>');
    assert.deepEqual(parseXml(serializeXml(element)), element);
  });
});
