/**
 * A person's clinical record: long-term conditions with their medicines, care plans and
 * monitoring observations over the years, GP consultations for acute illness, A&E attendances
 * and admissions, outpatient follow-up, immunisations on the UK schedule, allergies and health
 * checks. Encounters happen at the organisations the person uses, with their staff.
 */
import type { Random } from './random.ts';
import { Weighted } from './random.ts';
import { concept, coding, DAY, EXT, isoDate, isoDateTime, profile, ref, round, YEAR_MS, type Resource } from './fhir.ts';
import {
  ACUTE_CONDITIONS, ADULT_VACCINES, ALLERGIES, BLOOD_PRESSURE, bandOf, CHILDHOOD_SCHEDULE, DMD, EMERGENCY_REASONS, ENCOUNTER_TYPES,
  LOINC, LONG_TERM_CONDITIONS, MEDICINES, OBSERVATIONS, PROCEDURES, ROUTES, SMOKING, SNOMED, UCUM,
  type Concept, type Course, type LongTermCondition, type MedicineKey, type ObservationKey,
} from './tables/clinical.ts';
import type { Org, Staff } from './organisations.ts';
import type { Person } from './patient.ts';

/** Only the most recent years of routine activity are written in full, to keep records a realistic size. */
const DETAIL_YEARS = 6;
const ALLERGY_TABLE = new Weighted(ALLERGIES.map((a) => [a, a.weight] as const));

export interface History {
  resources: Resource[];
  /** Conditions (keys) the person has, for tests and summaries. */
  conditions: string[];
  /** Trusts that issued a hospital number. */
  trusts: Org[];
}

type Enc = { id: string; start: number; org: Org; staff: Staff };

export class RecordBuilder {
  readonly out: Resource[] = [];
  readonly trusts = new Set<Org>();
  private readonly patient;
  constructor(private readonly p: Person, private readonly r: Random) {
    this.patient = ref('Patient', p.id, `${p.given} ${p.family}`);
  }

  private gp(): Staff {
    return this.r.pick(this.p.practice.staff.filter((s) => s.role.code === '62247001'));
  }
  private nurse(): Staff {
    return this.p.practice.staff.find((s) => s.role.code === '224535009') ?? this.gp();
  }
  private consultant(org: Org, specialty: string): Staff {
    return org.staff.find((s) => s.specialty === specialty) ?? org.staff[0];
  }

  /** A working-hours time on the given day. */
  private at(day: number): number {
    return Math.floor(day / DAY) * DAY + (8 * 60 + this.r.int(0, 9 * 60)) * 60_000;
  }

  encounter(kind: 'gp' | 'gpPhone' | 'review' | 'emergency' | 'outpatient' | 'admission', when: number, org: Org, staff: Staff, reason?: Concept, extra: { days?: number; elective?: boolean; died?: boolean } = {}): Enc {
    const id = this.r.uuid();
    const start = this.at(when);
    const classes = { gp: ['AMB', 'ambulatory'], gpPhone: ['VR', 'virtual'], review: ['AMB', 'ambulatory'], emergency: ['EMER', 'emergency'], outpatient: ['AMB', 'ambulatory'], admission: ['IMP', 'inpatient encounter'] }[kind];
    const type = { gp: ENCOUNTER_TYPES.gp, gpPhone: ENCOUNTER_TYPES.gpPhone, review: ENCOUNTER_TYPES.review, emergency: ENCOUNTER_TYPES.emergency, outpatient: ENCOUNTER_TYPES.outpatient, admission: extra.elective ? ENCOUNTER_TYPES.electiveAdmission : ENCOUNTER_TYPES.emergencyAdmission }[kind];
    const minutes = kind === 'admission' ? (extra.days ?? 1) * 1440 : kind === 'emergency' ? this.r.int(90, 300) : kind === 'outpatient' ? 30 : kind === 'gpPhone' ? 8 : 12;
    const end = Math.min(start + minutes * 60_000, this.p.end);
    const location = kind === 'emergency' ? org.emergencyLocationId ?? org.locationId : org.locationId;
    const resource: Resource = {
      resourceType: 'Encounter',
      id,
      meta: profile('Encounter'),
      ...(kind === 'admission' ? { extension: [{ url: EXT('DischargeMethod'), valueCodeableConcept: { coding: [extra.died
        ? { system: 'https://fhir.hl7.org.uk/CodeSystem/UKCore-DischargeMethodEngland', code: '4', display: 'Patient died' }
        : { system: 'https://fhir.hl7.org.uk/CodeSystem/UKCore-DischargeMethodEngland', code: '1', display: 'Patient discharged on clinical advice or with clinical consent' }] } }] } : {}),
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: classes[0], display: classes[1] },
      type: [concept(SNOMED, type)],
      subject: this.patient,
      participant: [{ type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'PPRF', display: 'primary performer' }] }], individual: ref('Practitioner', staff.practitionerId, staff.name) }],
      period: { start: isoDateTime(start), end: isoDateTime(end) },
      ...(reason ? { reasonCode: [concept(SNOMED, reason)] } : {}),
      ...(kind === 'admission' ? { hospitalization: { extension: [{ url: EXT('AdmissionMethod'), valueCodeableConcept: { coding: [extra.elective
        ? { system: 'https://fhir.hl7.org.uk/CodeSystem/UKCore-AdmissionMethodEngland', code: '11', display: 'Elective Admission: Waiting list' }
        : { system: 'https://fhir.hl7.org.uk/CodeSystem/UKCore-AdmissionMethodEngland', code: '21', display: 'Emergency Admission: Emergency Care Department or dental casualty department of the Health Care Provider' }] } }] } } : {}),
      location: [{ location: ref('Location', location) }],
      serviceProvider: ref('Organization', org.id, org.name),
    };
    this.out.push(resource);
    if (org.kind === 'trust') this.trusts.add(org);
    return { id, start, org, staff };
  }

  condition(c: Concept, enc: Enc, onset: number, opts: { category: 'problem-list-item' | 'encounter-diagnosis'; abatement?: number }): string {
    const id = this.r.uuid();
    const resolved = opts.abatement !== undefined && opts.abatement < this.p.end;
    this.out.push({
      resourceType: 'Condition',
      id,
      meta: profile('Condition'),
      clinicalStatus: concept('http://terminology.hl7.org/CodeSystem/condition-clinical', resolved ? { code: 'resolved', display: 'Resolved' } : { code: 'active', display: 'Active' }),
      verificationStatus: concept('http://terminology.hl7.org/CodeSystem/condition-ver-status', { code: 'confirmed', display: 'Confirmed' }),
      category: [concept('http://terminology.hl7.org/CodeSystem/condition-category', opts.category === 'problem-list-item' ? { code: 'problem-list-item', display: 'Problem List Item' } : { code: 'encounter-diagnosis', display: 'Encounter Diagnosis' })],
      code: concept(SNOMED, c),
      subject: this.patient,
      encounter: ref('Encounter', enc.id),
      onsetDateTime: isoDateTime(onset),
      ...(resolved ? { abatementDateTime: isoDateTime(opts.abatement!) } : {}),
      recordedDate: isoDateTime(enc.start),
      recorder: ref('Practitioner', enc.staff.practitionerId, enc.staff.name),
    });
    return id;
  }

  prescription(key: MedicineKey, enc: Enc, reasonId: string, repeat: boolean): void {
    const m = MEDICINES[key];
    const route = ROUTES[m.route];
    this.out.push({
      resourceType: 'MedicationRequest',
      id: this.r.uuid(),
      meta: profile('MedicationRequest'),
      status: repeat ? 'active' : 'completed',
      intent: 'order',
      category: [concept('http://terminology.hl7.org/CodeSystem/medicationrequest-category', { code: 'community', display: 'Community' })],
      medicationCodeableConcept: concept(DMD, m),
      subject: this.patient,
      encounter: ref('Encounter', enc.id),
      authoredOn: isoDateTime(enc.start),
      requester: ref('Practitioner', enc.staff.practitionerId, enc.staff.name),
      reasonReference: [ref('Condition', reasonId)],
      courseOfTherapyType: concept('http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy', repeat ? { code: 'continuous', display: 'Continuous long term therapy' } : { code: 'acute', display: 'Short course (acute) therapy' }),
      dosageInstruction: [{
        text: m.dose,
        timing: { repeat: { frequency: m.frequency, period: m.period, periodUnit: m.periodUnit } },
        ...(m.asNeeded ? { asNeededBoolean: true } : {}),
        route: concept(SNOMED, route),
        doseAndRate: [{ doseQuantity: { value: m.doseValue, unit: m.doseUnit } }],
      }],
      dispenseRequest: {
        ...(repeat ? { numberOfRepeatsAllowed: 5 } : {}),
        quantity: { value: m.quantity, unit: m.unit },
        ...(repeat ? { expectedSupplyDuration: { value: 28, unit: 'day', system: UCUM, code: 'd' } } : {}),
      },
      // UK Core MedicationRequest makes substitution 1..1; generic substitution is the NHS default
      substitution: { allowedBoolean: true },
    });
  }

  observation(key: ObservationKey, value: number, enc: Enc, when: number): void {
    const k = OBSERVATIONS[key];
    const codings = [{ system: LOINC, code: k.loinc.code, display: k.loinc.display }];
    if (k.snomed) codings.unshift(coding(SNOMED, k.snomed));
    const v = round(value, k.decimals);
    const interpretation = k.low === undefined || k.high === undefined ? undefined : v < k.low ? ['L', 'Low'] : v > k.high ? ['H', 'High'] : ['N', 'Normal'];
    this.out.push({
      resourceType: 'Observation',
      id: this.r.uuid(),
      meta: { profile: [k.profile] },
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: k.category, display: { 'vital-signs': 'Vital Signs', laboratory: 'Laboratory', survey: 'Survey', 'social-history': 'Social History' }[k.category] }] }],
      code: { coding: codings, text: k.snomed?.display ?? k.loinc.display },
      subject: this.patient,
      encounter: ref('Encounter', enc.id),
      effectiveDateTime: isoDateTime(when),
      ...(k.category === 'laboratory' ? { issued: new Date(Math.floor(when / 1000) * 1000 + 86_400_000).toISOString() } : {}),
      performer: [ref('Practitioner', enc.staff.practitionerId, enc.staff.name)],
      valueQuantity: { value: v, unit: k.unit, system: UCUM, code: k.ucum },
      ...(interpretation ? { interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: interpretation[0], display: interpretation[1] }] }] } : {}),
    });
  }

  bloodPressure(systolic: number, enc: Enc, when: number): void {
    const diastolic = systolic * 0.6 + this.r.normal(4, 4);
    const component = (c: typeof BLOOD_PRESSURE.systolic, v: number) => ({
      code: { coding: [coding(SNOMED, c.snomed), { system: LOINC, code: c.loinc.code, display: c.loinc.display }], text: c.loinc.display },
      valueQuantity: { value: Math.round(v), unit: 'millimeter of mercury', system: UCUM, code: 'mm[Hg]' },
    });
    this.out.push({
      resourceType: 'Observation',
      id: this.r.uuid(),
      meta: { profile: [BLOOD_PRESSURE.profile] },
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }] }],
      code: { coding: [coding(SNOMED, BLOOD_PRESSURE.panel.snomed), { system: LOINC, code: BLOOD_PRESSURE.panel.loinc.code, display: BLOOD_PRESSURE.panel.loinc.display }], text: 'Blood pressure' },
      subject: this.patient,
      encounter: ref('Encounter', enc.id),
      effectiveDateTime: isoDateTime(when),
      performer: [ref('Practitioner', enc.staff.practitionerId, enc.staff.name)],
      component: [component(BLOOD_PRESSURE.systolic, systolic), component(BLOOD_PRESSURE.diastolic, diastolic)],
    });
  }

  smoking(enc: Enc, status: (typeof SMOKING.values)[number]): void {
    this.out.push({
      resourceType: 'Observation',
      id: this.r.uuid(),
      meta: { profile: [SMOKING.profile] },
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'social-history', display: 'Social History' }] }],
      code: { coding: [{ system: LOINC, code: SMOKING.loinc.code, display: SMOKING.loinc.display }] },
      subject: this.patient,
      encounter: ref('Encounter', enc.id),
      effectiveDateTime: isoDateTime(enc.start),
      valueCodeableConcept: concept(SNOMED, { code: status[0], display: status[1] }),
    });
  }

  immunisation(vaccine: Concept, when: number, dose: number | undefined, route: string, encounter?: Enc): void {
    const staff = encounter?.staff ?? this.nurse();
    this.out.push({
      resourceType: 'Immunization',
      id: this.r.uuid(),
      meta: profile('Immunization'),
      status: 'completed',
      vaccineCode: concept(SNOMED, vaccine),
      patient: this.patient,
      ...(encounter ? { encounter: ref('Encounter', encounter.id) } : {}),
      occurrenceDateTime: isoDateTime(this.at(when)),
      primarySource: true,
      location: ref('Location', this.p.practice.locationId),
      route: concept(SNOMED, ROUTES[route]),
      performer: [{ actor: ref('Practitioner', staff.practitionerId, staff.name) }],
      ...(dose !== undefined ? { protocolApplied: [{ doseNumberPositiveInt: dose }] } : {}),
    });
  }

  allergy(): void {
    const a = ALLERGY_TABLE.sample(this.r);
    const recorded = this.r.real(Math.max(this.p.birth + YEAR_MS, this.p.end - 20 * YEAR_MS), this.p.end);
    const gp = this.gp();
    this.out.push({
      resourceType: 'AllergyIntolerance',
      id: this.r.uuid(),
      meta: profile('AllergyIntolerance'),
      clinicalStatus: concept('http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', { code: 'active', display: 'Active' }),
      verificationStatus: concept('http://terminology.hl7.org/CodeSystem/allergyintolerance-verification', { code: 'confirmed', display: 'Confirmed' }),
      type: 'allergy',
      category: [a.category],
      criticality: a.severity === 'severe' ? 'high' : 'low',
      code: concept(SNOMED, a),
      patient: this.patient,
      recordedDate: isoDateTime(recorded),
      recorder: ref('Practitioner', gp.practitionerId, gp.name),
      reaction: [{ manifestation: [concept(SNOMED, a.reaction)], severity: a.severity }],
    });
  }

  carePlan(c: LongTermCondition, conditionId: string, enc: Enc): void {
    this.out.push({
      resourceType: 'CarePlan',
      id: this.r.uuid(),
      meta: profile('CarePlan'),
      status: this.p.death === undefined ? 'active' : 'completed',
      intent: 'plan',
      category: [{ coding: [{ system: SNOMED, code: '734163000', display: 'Care plan' }], text: 'Long-term condition management plan' }],
      title: `${c.display} management plan`,
      description: `Annual review and monitoring of ${c.display.toLowerCase()}.`,
      subject: this.patient,
      encounter: ref('Encounter', enc.id),
      period: { start: isoDate(enc.start) },
      created: isoDateTime(enc.start),
      author: ref('Practitioner', enc.staff.practitionerId, enc.staff.name),
      addresses: [ref('Condition', conditionId, c.display)],
      activity: c.monitoring.map((m) => {
        const code = m.observation === 'bloodPressure' ? BLOOD_PRESSURE.panel.loinc : OBSERVATIONS[m.observation].loinc;
        return { detail: { kind: 'ServiceRequest', code: { coding: [{ system: LOINC, code: code.code, display: code.display }] }, status: this.p.death === undefined ? 'in-progress' : 'stopped', scheduledTiming: { repeat: { frequency: 1, period: 1, periodUnit: 'a' } }, performer: [ref('Organization', this.p.practice.id, this.p.practice.name)] } };
      }),
    });
  }

  /** Long-term conditions, by prevalence at the person's age when the record ends. */
  longTermConditions(): string[] {
    const { p, r } = this;
    const band = bandOf(p.ageAtEnd);
    const has: string[] = [];
    for (const c of LONG_TERM_CONDITIONS) {
      if (c.excludes && has.includes(c.excludes)) continue;
      const sexFactor = c.femaleRisk === 1 ? 1 : p.female ? (2 * c.femaleRisk) / (1 + c.femaleRisk) : 2 / (1 + c.femaleRisk);
      if (p.ageAtEnd < c.minOnsetAge || !r.chance(c.prevalence[band] * sexFactor)) continue;
      has.push(c.key);
      const earliest = p.birth + c.minOnsetAge * YEAR_MS;
      const onset = Math.max(earliest, p.end - r.next() ** 1.5 * Math.min(25, p.ageAtEnd - c.minOnsetAge + 0.5) * YEAR_MS);
      const gp = this.gp();
      const diagnosis = this.encounter('gp', Math.min(onset, p.end - DAY), p.practice, gp, c);
      const conditionId = this.condition(c, diagnosis, onset, { category: 'problem-list-item' });
      const meds = c.medicines.filter((_, i) => i === 0 || r.chance(0.5));
      if (c.carePlan) this.carePlan(c, conditionId, diagnosis);
      // monitoring: at diagnosis, then annual reviews over the recent years, values following the course
      const reviewFrom = Math.max(onset, p.end - DETAIL_YEARS * YEAR_MS);
      const reviews = [diagnosis.start];
      for (let t = reviewFrom + r.real(0.3, 1) * YEAR_MS; t < p.end - 7 * DAY; t += r.real(0.8, 1.2) * YEAR_MS) reviews.push(t);
      const starts = c.monitoring.map((m) => [r.real(...m.atDiagnosis), r.real(...m.settled)] as const);
      let lastReview = diagnosis;
      reviews.forEach((t, i) => {
        const enc = i === 0 ? diagnosis : this.encounter('review', t, p.practice, r.chance(0.5) ? this.nurse() : this.gp(), c);
        lastReview = enc;
        c.monitoring.forEach((m, j) => this.monitor(m, starts[j][0], starts[j][1], (t - onset) / YEAR_MS, enc, enc.start));
      });
      for (const key of meds) this.prescription(key, lastReview, conditionId, true);
      if (c.clinic && p.trust && r.chance(0.6)) {
        const consultant = this.consultant(p.trust, c.clinic);
        const first = Math.min(onset + r.real(30, 120) * DAY, p.end - DAY);
        this.encounter('outpatient', first, p.trust, consultant, c);
        if (r.chance(0.5) && first + YEAR_MS < p.end) this.encounter('outpatient', first + r.real(0.5, 1) * YEAR_MS, p.trust, consultant, c);
      }
    }
    return has;
  }

  private monitor(m: Course, start: number, settled: number, years: number, enc: Enc, when: number): void {
    const approach = Math.min(1, years / 1.5);
    const value = start + (settled - start) * approach + m.driftPerYear * years + this.r.normal(0, m.noise);
    if (m.observation === 'bloodPressure') this.bloodPressure(value, enc, when);
    else this.observation(m.observation, Math.max(0, value), enc, when);
  }

  /** GP consultations for acute illness over the recent years. */
  acuteIllness(): void {
    const { p, r } = this;
    const from = Math.max(p.birth, p.end - DETAIL_YEARS * YEAR_MS);
    for (let t = from; t < p.end; t += YEAR_MS) {
      const age = (t - p.birth) / YEAR_MS;
      const band = bandOf(age);
      const table = new Weighted(ACUTE_CONDITIONS.map((c) => [c, c.weight[band]] as const));
      const rate = age < 5 ? 2.5 : age < 18 ? 1 : age < 65 ? 1.2 : 2.2;
      for (let n = r.poisson(rate); n > 0; n--) {
        const when = t + r.next() * YEAR_MS;
        if (when >= p.end - DAY) continue;
        const c = table.sample(r);
        const enc = this.encounter(r.chance(0.3) ? 'gpPhone' : 'gp', when, p.practice, this.gp(), c);
        const id = this.condition(c, enc, enc.start - r.int(1, 4) * DAY, { category: 'encounter-diagnosis', abatement: enc.start + c.days * DAY });
        for (const v of c.vitals) this.observation(v, vitalValue(v, age, r), enc, enc.start);
        if (c.medicine && age >= 12 && r.chance(0.6)) this.prescription(c.medicine, enc, id, false);
      }
    }
  }

  /** A&E attendances, some admitted; elective surgery for older people. */
  hospital(): void {
    const { p, r } = this;
    const from = Math.max(p.birth, p.end - DETAIL_YEARS * YEAR_MS);
    const ed = p.trust.staff.find((s) => s.specialty === 'emergency') ?? p.trust.staff[0];
    for (let t = from; t < p.end; t += YEAR_MS) {
      const age = (t - p.birth) / YEAR_MS;
      const band = bandOf(age);
      const rate = age < 5 ? 0.45 : age < 18 ? 0.25 : age < 65 ? 0.25 : age < 80 ? 0.4 : 0.7;
      const reasons = new Weighted(EMERGENCY_REASONS.map((e) => [e, e.weight[band]] as const));
      for (let n = r.poisson(rate); n > 0; n--) {
        const when = t + r.next() * YEAR_MS;
        if (when >= p.end - DAY) continue;
        const reason = reasons.sample(r);
        const enc = this.encounter('emergency', when, p.trust, ed, reason);
        this.observation('heartRate', vitalValue('heartRate', age, r), enc, enc.start);
        this.observation('temperature', vitalValue('temperature', age, r), enc, enc.start);
        if (r.chance(reason.admit)) {
          const days = 1 + r.poisson(age > 75 ? 6 : 2);
          this.encounter('admission', enc.start + 4 * 3600_000, p.trust, this.consultant(p.trust, 'cardiology'), reason, { days });
        }
      }
    }
    if (p.death !== undefined && r.chance(0.5)) {
      const days = 1 + r.poisson(5);
      this.encounter('admission', p.death - days * DAY, p.trust, this.consultant(p.trust, 'cardiology'), EMERGENCY_REASONS[4], { days, died: true });
    }
    const age = p.ageAtEnd;
    for (const proc of Object.values(PROCEDURES)) {
      if (age < proc.minAge || !r.chance(proc.minAge >= 55 ? 0.04 : 0.01)) continue;
      const when = p.end - r.real(0.1, DETAIL_YEARS) * YEAR_MS;
      if (when < p.birth + proc.minAge * YEAR_MS) continue;
      const surgeon = this.consultant(p.trust, proc.clinic);
      const enc = this.encounter('admission', when, p.trust, surgeon, proc, { days: proc.minAge >= 55 ? r.int(1, 4) : 1, elective: true });
      this.out.push({
        resourceType: 'Procedure',
        id: r.uuid(),
        meta: profile('Procedure'),
        status: 'completed',
        code: concept(SNOMED, proc),
        subject: this.patient,
        encounter: ref('Encounter', enc.id),
        performedDateTime: isoDateTime(enc.start + 2 * 3600_000),
        performer: [{ actor: ref('Practitioner', surgeon.practitionerId, surgeon.name) }],
        location: ref('Location', p.trust.locationId),
      });
    }
  }

  /** The routine childhood schedule (for cohorts born after each programme began) and adult programmes. */
  immunisations(hasLtc: boolean): void {
    const { p, r } = this;
    const birthYear = new Date(p.birth).getUTCFullYear();
    for (const d of CHILDHOOD_SCHEDULE) {
      const when = p.birth + (d.ageDays + r.int(0, 21)) * DAY;
      if (birthYear < d.bornFrom || when >= p.end || !r.chance(d.uptake)) continue;
      if (d.code === '836379009' && !p.female && birthYear < 2006) continue; // HPV for boys from 2019
      this.immunisation(d, when, d.dose, d.route);
    }
    const endYear = new Date(p.end).getUTCFullYear();
    for (let season = endYear - 5; season < endYear; season++) {
      const when = Date.UTC(season, 9, 1) + r.int(0, 60) * DAY;
      if (when >= p.end || when < p.birth) continue;
      const age = (when - p.birth) / YEAR_MS;
      if (age >= 2 && age < 11 && r.chance(0.45)) this.immunisation(ADULT_VACCINES.influenzaNasal, when, undefined, 'nasal');
      else if ((age >= 65 && r.chance(0.75)) || (age >= 18 && hasLtc && r.chance(0.45))) this.immunisation(ADULT_VACCINES.influenza, when, undefined, 'intramuscular');
      if (season >= 2021 && age >= 75 && r.chance(0.7)) this.immunisation(ADULT_VACCINES.covid, when + 7 * DAY, undefined, 'intramuscular');
    }
    const at65 = p.birth + 65 * YEAR_MS + r.int(0, 200) * DAY;
    if (at65 < p.end && at65 > p.end - 20 * YEAR_MS && r.chance(0.7)) this.immunisation(ADULT_VACCINES.pneumococcal, at65, 1, 'intramuscular');
    const at70 = p.birth + 70 * YEAR_MS + r.int(0, 300) * DAY;
    if (at70 < p.end && at70 > Date.UTC(2013, 8, 1) && r.chance(0.45)) this.immunisation(ADULT_VACCINES.shingles, at70, 1, 'subcutaneous');
  }

  /** Registration and NHS Health Checks: height, weight, BMI, blood pressure, smoking status. */
  healthChecks(): void {
    const { p, r } = this;
    if (p.ageAtEnd < 16) return;
    const heightM = (p.female ? 1.62 : 1.76) + r.normal(0, 0.07);
    const bmi = Math.max(16, r.normal(p.ageAtEnd < 30 ? 24.5 : 27.5, 4.5));
    const status = r.next() < SMOKING.values[0][2] ? SMOKING.values[0] : r.chance(0.7) ? SMOKING.values[1] : SMOKING.values[2];
    const times = [Math.max(p.registered, p.birth + 16 * YEAR_MS)];
    if (p.ageAtEnd >= 40) for (let t = p.end - r.real(0.2, 5) * YEAR_MS; t > p.end - DETAIL_YEARS * YEAR_MS && t > p.birth + 40 * YEAR_MS; t -= 5 * YEAR_MS) times.push(t);
    for (const t of times) {
      if (t >= p.end - DAY) continue;
      const enc = this.encounter('review', t, p.practice, this.nurse());
      const b = bmi + r.normal(0, 0.6);
      this.observation('height', heightM * 100, enc, enc.start);
      this.observation('weight', b * heightM * heightM, enc, enc.start);
      this.observation('bmi', b, enc, enc.start);
      this.bloodPressure(r.normal(118 + Math.max(0, (t - p.birth) / YEAR_MS - 30) * 0.5, 10), enc, enc.start);
      this.smoking(enc, status);
    }
  }
}

function vitalValue(key: ObservationKey, age: number, r: Random): number {
  switch (key) {
    case 'temperature': return r.normal(37.8, 0.6);
    case 'heartRate': return r.normal(age < 5 ? 120 : age < 12 ? 95 : 88, 12);
    case 'respiratoryRate': return r.normal(age < 5 ? 30 : 20, 3);
    case 'oxygenSaturation': return Math.min(100, r.normal(95.5, 2));
    default: return 0;
  }
}

export function buildHistory(p: Person, r: Random): History {
  const b = new RecordBuilder(p, r);
  const conditions = b.longTermConditions();
  b.acuteIllness();
  b.hospital();
  b.immunisations(conditions.length > 0);
  b.healthChecks();
  if (r.chance(0.12)) b.allergy();
  return { resources: b.out, conditions, trusts: [...b.trusts] };
}
