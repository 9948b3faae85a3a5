import { DOMParser } from '@xmldom/xmldom';

/** XML we refuse to read (DOCTYPE, entities, malformed, several roots): the message says why in plain words. */
export class XmlRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'XmlRefusedError';
  }
}

export type XmlDocument = ReturnType<DOMParser['parseFromString']>;
export type XmlElement = NonNullable<XmlDocument['documentElement']>;

const DTD = /<!DOCTYPE|<!ENTITY/i;

/**
 * Parses XML strictly: no DOCTYPE or entity declarations (billion laughs, XXE), no parser
 * warnings or errors, exactly one root element (xmldom CVE-2022-39353).
 */
export function parseXmlStrict(xml: string, what = 'the XML'): XmlDocument {
  if (DTD.test(xml)) throw new XmlRefusedError(`${what} contains a DOCTYPE or ENTITY declaration, which is never allowed`);
  const fail = (message: string) => {
    throw new XmlRefusedError(`${what} is not well-formed XML (${message.replace(/\s+/g, ' ').replace(/^\[xmldom [a-z]+\]\s*/i, '').slice(0, 160)})`);
  };
  let document: XmlDocument;
  try {
    document = new DOMParser({ errorHandler: { warning: fail, error: fail, fatalError: fail } }).parseFromString(xml, 'text/xml');
  } catch (error) {
    if (error instanceof XmlRefusedError) throw error;
    throw new XmlRefusedError(`${what} is not well-formed XML`);
  }
  let roots = 0;
  for (let node = document.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 1) roots++;
    else if (node.nodeType === 3 && (node.nodeValue ?? '').trim() !== '') fail('text outside the root element');
    else if (node.nodeType === 10) throw new XmlRefusedError(`${what} contains a DOCTYPE, which is never allowed`);
  }
  if (roots !== 1 || !document.documentElement) throw new XmlRefusedError(`${what} must have exactly one root element, it has ${roots}`);
  return document;
}

/** Every element with this local name (any namespace) under `root`, in document order. */
export function elementsByLocalName(root: XmlDocument | XmlElement, localName: string): XmlElement[] {
  const found = (root as XmlElement).getElementsByTagNameNS('*', localName);
  const out: XmlElement[] = [];
  for (let i = 0; i < found.length; i++) out.push(found.item(i) as XmlElement);
  return out;
}

/** Element children of `parent` with this local name (and namespace, when given). */
export function childElements(parent: XmlElement, localName: string, namespace?: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType !== 1) continue;
    const element = node as XmlElement;
    if (element.localName === localName && (namespace === undefined || element.namespaceURI === namespace)) out.push(element);
  }
  return out;
}

/** Text content of an element with comments ignored and whitespace trimmed. */
export function textOf(element: XmlElement | undefined): string | undefined {
  if (!element) return undefined;
  let text = '';
  const walk = (node: XmlElement['firstChild']) => {
    for (let child = node; child; child = child.nextSibling) {
      if (child.nodeType === 3 || child.nodeType === 4) text += child.nodeValue ?? '';
      else if (child.nodeType === 1) walk(child.firstChild);
    }
  };
  walk(element.firstChild);
  return text.trim();
}

export const attr = (element: XmlElement | undefined, name: string): string | undefined => {
  if (!element || !element.hasAttribute(name)) return undefined;
  return element.getAttribute(name) ?? undefined;
};

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
export const escapeXml = (text: string): string => text.replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
