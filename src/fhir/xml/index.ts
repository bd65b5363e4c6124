/** FHIR R4 XML ⇄ JSON, driven by the StructureDefinitions. */
export { parseFhirXml, FHIR_NS, XHTML_NS } from './parse.ts';
export { toFhirXml } from './serialize.ts';
export { ElementModel, elementModel, capitalize, type ElementInfo, type PropertyInfo } from './element-model.ts';
