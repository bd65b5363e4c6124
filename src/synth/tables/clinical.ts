/**
 * The clinical concepts the generator uses, with their real code values: SNOMED CT (conditions,
 * findings, procedures, encounter types, vaccines), dm+d (medicines: VMP codes and names) and
 * LOINC (observations), with UCUM units. Prevalences are rounded from NHS England QOF 2022-23
 * registers and published age profiles; they are what the tests check the output against.
 */
export const SNOMED = 'http://snomed.info/sct';
export const DMD = 'https://dmd.nhs.uk';
export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';

export interface Concept {
  code: string;
  display: string;
}

export interface Medicine extends Concept {
  /** Dosage text as a prescriber writes it. */
  dose: string;
  frequency: number;
  period: number;
  periodUnit: 'd' | 'wk';
  asNeeded?: boolean;
  doseValue: number;
  doseUnit: string;
  /** Quantity supplied per issue, in units of presentation. */
  quantity: number;
  unit: string;
  route: 'oral' | 'inhaled';
}

const med = (code: string, display: string, dose: string, frequency: number, doseValue: number, doseUnit: string, quantity: number, unit: string, route: Medicine['route'] = 'oral', asNeeded = false): Medicine => ({
  code, display, dose, frequency, period: 1, periodUnit: 'd', doseValue, doseUnit, quantity, unit, route, asNeeded,
});

/** dm+d Virtual Medicinal Products. */
export const MEDICINES = {
  metformin: med('325278007', 'Metformin 500mg tablets', 'One tablet twice a day with food', 2, 1, 'tablet', 56, 'tablet'),
  empagliflozin: med('703896005', 'Empagliflozin 10mg tablets', 'One tablet once a day', 1, 1, 'tablet', 28, 'tablet'),
  amlodipine: med('319283006', 'Amlodipine 5mg tablets', 'One tablet once a day', 1, 1, 'tablet', 28, 'tablet'),
  ramipril25: med('318901006', 'Ramipril 2.5mg capsules', 'One capsule once a day', 1, 1, 'capsule', 28, 'capsule'),
  ramipril5: med('318902004', 'Ramipril 5mg capsules', 'One capsule once a day', 1, 1, 'capsule', 28, 'capsule'),
  lisinopril: med('318859000', 'Lisinopril 10mg tablets', 'One tablet once a day', 1, 1, 'tablet', 28, 'tablet'),
  losartan: med('318956006', 'Losartan 50mg tablets', 'One tablet once a day', 1, 1, 'tablet', 28, 'tablet'),
  bisoprolol: med('318590006', 'Bisoprolol 5mg tablets', 'One tablet once a day in the morning', 1, 1, 'tablet', 28, 'tablet'),
  furosemide: med('317972000', 'Furosemide 40mg tablets', 'One tablet each morning', 1, 1, 'tablet', 28, 'tablet'),
  spironolactone: med('318056008', 'Spironolactone 25mg tablets', 'One tablet once a day', 1, 1, 'tablet', 28, 'tablet'),
  simvastatin: med('320000009', 'Simvastatin 40mg tablets', 'One tablet at night', 1, 1, 'tablet', 28, 'tablet'),
  atorvastatin: med('320029006', 'Atorvastatin 10mg tablets', 'One tablet once a day', 1, 1, 'tablet', 28, 'tablet'),
  salbutamol: med('39113611000001102', 'Salbutamol 100micrograms/dose inhaler CFC free', 'Inhale two doses when required', 4, 2, 'dose', 200, 'dose', 'inhaled', true),
  beclometasone: med('408063002', 'Beclometasone 100micrograms/dose inhaler CFC free', 'Inhale two doses twice a day', 2, 2, 'dose', 200, 'dose', 'inhaled'),
  levothyroxine: med('374296008', 'Levothyroxine sodium 100microgram tablets', 'One tablet each morning', 1, 1, 'tablet', 28, 'tablet'),
  paracetamol: med('322236009', 'Paracetamol 500mg tablets', 'Two tablets up to four times a day when required', 4, 2, 'tablet', 100, 'tablet', 'oral', true),
  ibuprofen: med('329653008', 'Ibuprofen 400mg tablets', 'One tablet three times a day with food when required', 3, 1, 'tablet', 24, 'tablet', 'oral', true),
  amoxicillin: med('323510009', 'Amoxicillin 500mg capsules', 'One capsule three times a day for 5 days', 3, 1, 'capsule', 15, 'capsule'),
  azithromycin: med('324252006', 'Azithromycin 250mg capsules', 'Two capsules once a day for 3 days', 1, 2, 'capsule', 6, 'capsule'),
} satisfies Record<string, Medicine>;
export type MedicineKey = keyof typeof MEDICINES;

/** Observation kinds: LOINC (and SNOMED where UK Core's vital-signs profiles show one), UCUM unit, UK Core profile. */
export interface ObservationKind {
  loinc: Concept;
  snomed?: Concept;
  unit: string;
  ucum: string;
  category: 'vital-signs' | 'laboratory' | 'survey' | 'social-history';
  profile: string;
  decimals: number;
  /** Normal range for interpretation, when one applies. */
  low?: number;
  high?: number;
}

const P = 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-';
const obs = (loinc: string, loincDisplay: string, unit: string, ucum: string, category: ObservationKind['category'], profile: string, decimals: number, snomed?: Concept, low?: number, high?: number): ObservationKind => ({
  loinc: { code: loinc, display: loincDisplay }, snomed, unit, ucum, category, profile: P + profile, decimals, low, high,
});

export const OBSERVATIONS = {
  height: obs('8302-2', 'Body height', 'cm', 'cm', 'vital-signs', 'Observation-VitalSigns-BodyHeight', 0, { code: '50373000', display: 'Body height' }),
  weight: obs('29463-7', 'Body weight', 'kilogram', 'kg', 'vital-signs', 'Observation-VitalSigns-BodyWeight', 1, { code: '27113001', display: 'Body weight' }),
  bmi: obs('39156-5', 'Body mass index (BMI) [Ratio]', 'kg/m2', 'kg/m2', 'vital-signs', 'Observation-VitalSigns-BMI', 1, { code: '60621009', display: 'Body mass index' }, 18.5, 25),
  heartRate: obs('8867-4', 'Heart rate', 'per minute', '/min', 'vital-signs', 'Observation-VitalSigns-HeartRate', 0, { code: '364075005', display: 'Heart rate' }, 60, 100),
  respiratoryRate: obs('9279-1', 'Respiratory rate', 'per minute', '/min', 'vital-signs', 'Observation-VitalSigns-RespirationRate', 0, { code: '86290005', display: 'Respiratory rate' }, 12, 20),
  temperature: obs('8310-5', 'Body temperature', 'degree Celsius', 'Cel', 'vital-signs', 'Observation-VitalSigns-BodyTemperature', 1, { code: '386725007', display: 'Body temperature' }, 36, 37.9),
  oxygenSaturation: obs('2708-6', 'Oxygen saturation in Arterial blood', 'percent', '%', 'vital-signs', 'Observation-VitalSigns-OxygenSaturation', 0, { code: '103228002', display: 'Hemoglobin saturation with oxygen' }, 94, 100),
  hba1c: obs('59261-8', 'Hemoglobin A1c/Hemoglobin.total in Blood by IFCC protocol', 'mmol/mol', 'mmol/mol', 'laboratory', 'Observation-Lab', 0, undefined, 20, 41),
  cholesterol: obs('14647-2', 'Cholesterol [Moles/volume] in Serum or Plasma', 'mmol/L', 'mmol/L', 'laboratory', 'Observation-Lab', 1, undefined, 0, 5),
  egfr: obs('62238-1', 'Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] in Serum, Plasma or Blood by Creatinine-based formula (CKD-EPI)', 'mL/min/1.73m2', 'mL/min/{1.73_m2}', 'laboratory', 'Observation-Lab', 0, undefined, 90, 200),
  creatinine: obs('14682-9', 'Creatinine [Moles/volume] in Serum or Plasma', 'micromol/L', 'umol/L', 'laboratory', 'Observation-Lab', 0, undefined, 45, 110),
  potassium: obs('2823-3', 'Potassium [Moles/volume] in Serum or Plasma', 'mmol/L', 'mmol/L', 'laboratory', 'Observation-Lab', 1, undefined, 3.5, 5.3),
  tsh: obs('3016-3', 'Thyrotropin [Units/volume] in Serum or Plasma', 'mU/L', 'm[IU]/L', 'laboratory', 'Observation-Lab', 2, undefined, 0.27, 4.2),
  haemoglobin: obs('718-7', 'Hemoglobin [Mass/volume] in Blood', 'g/L', 'g/L', 'laboratory', 'Observation-Lab', 0, undefined, 115, 165),
  fev1fvc: obs('19926-5', 'FEV1/FVC', '%', '%', 'vital-signs', 'Observation', 0, undefined, 70, 100),
  peakFlow: obs('19935-6', 'Maximum expiratory gas flow Respiratory system airway by Peak flow meter', 'L/min', 'L/min', 'vital-signs', 'Observation', 0),
  phq9: obs('44261-6', 'Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]', 'score', '{score}', 'survey', 'Observation', 0, undefined, 0, 4),
} satisfies Record<string, ObservationKind>;
export type ObservationKey = keyof typeof OBSERVATIONS;

export const BLOOD_PRESSURE = {
  panel: { loinc: { code: '85354-9', display: 'Blood pressure panel with all children optional' }, snomed: { code: '75367002', display: 'Blood pressure' } },
  systolic: { loinc: { code: '8480-6', display: 'Systolic blood pressure' }, snomed: { code: '72313002', display: 'Systolic arterial pressure' } },
  diastolic: { loinc: { code: '8462-4', display: 'Diastolic blood pressure' }, snomed: { code: '1091811000000102', display: 'Diastolic arterial pressure' } },
  profile: `${P}Observation-VitalSigns-BloodPressure`,
};

export const SMOKING = {
  loinc: { code: '72166-2', display: 'Tobacco smoking status' },
  profile: `${P}Observation`,
  values: [
    ['266919005', 'Never smoked tobacco', 0.55],
    ['8517006', 'Ex-smoker', 0.32],
    ['77176002', 'Smoker', 0.13],
  ] as const,
};

/** How a monitored value moves: starting value at diagnosis, the value it settles to, yearly drift, noise. */
export interface Course {
  observation: ObservationKey | 'bloodPressure';
  atDiagnosis: [number, number];
  settled: [number, number];
  driftPerYear: number;
  noise: number;
}

export type Band = [number, number, number, number, number];
/** Age bands the prevalences use: 0–17, 18–39, 40–59, 60–79, 80+. */
export const BAND_EDGES = [18, 40, 60, 80] as const;
export function bandOf(age: number): number {
  let i = 0;
  while (i < BAND_EDGES.length && age >= BAND_EDGES[i]) i++;
  return i;
}

export interface LongTermCondition extends Concept {
  key: string;
  /** Probability of having the condition, by age band at the end of the record. */
  prevalence: Band;
  /** Relative risk for women compared with men (1 = none). */
  femaleRisk: number;
  minOnsetAge: number;
  /** Medicines: the first always, the rest each with probability 0.5. */
  medicines: MedicineKey[];
  monitoring: Course[];
  /** A care plan is written for it (long-term condition management). */
  carePlan: boolean;
  /** The hospital specialty that follows it up in outpatients, if any. */
  clinic?: string;
  excludes?: string;
}

const ltc = (key: string, code: string, display: string, prevalence: Band, femaleRisk: number, minOnsetAge: number, medicines: MedicineKey[], monitoring: Course[] = [], carePlan = false, clinic?: string, excludes?: string): LongTermCondition => ({
  key, code, display, prevalence, femaleRisk, minOnsetAge, medicines, monitoring, carePlan, clinic, excludes,
});

export const LONG_TERM_CONDITIONS: readonly LongTermCondition[] = [
  ltc('hypertension', '59621000', 'Essential hypertension', [0.001, 0.03, 0.16, 0.45, 0.6], 1, 25, ['amlodipine', 'ramipril25', 'losartan'],
    [{ observation: 'bloodPressure', atDiagnosis: [152, 168], settled: [128, 142], driftPerYear: 0.3, noise: 7 }], true),
  ltc('diabetes-type-2', '44054006', 'Diabetes mellitus type 2', [0.0005, 0.012, 0.075, 0.16, 0.17], 0.8, 25, ['metformin', 'atorvastatin', 'empagliflozin'],
    [{ observation: 'hba1c', atDiagnosis: [55, 80], settled: [46, 60], driftPerYear: 0.6, noise: 4 },
     { observation: 'cholesterol', atDiagnosis: [4.8, 6.5], settled: [3.6, 4.8], driftPerYear: 0, noise: 0.4 },
     { observation: 'egfr', atDiagnosis: [70, 95], settled: [65, 90], driftPerYear: -1, noise: 4 },
     { observation: 'bmi', atDiagnosis: [29, 36], settled: [28, 35], driftPerYear: 0, noise: 0.8 }], true, 'diabetes', 'diabetes-type-1'),
  ltc('diabetes-type-1', '46635009', 'Diabetes mellitus type 1', [0.003, 0.006, 0.005, 0.004, 0.002], 0.85, 1, [],
    [{ observation: 'hba1c', atDiagnosis: [75, 110], settled: [55, 70], driftPerYear: 0, noise: 5 }], true, 'diabetes'),
  ltc('asthma', '195967001', 'Asthma', [0.08, 0.07, 0.065, 0.07, 0.06], 1.2, 3, ['salbutamol', 'beclometasone'],
    [{ observation: 'peakFlow', atDiagnosis: [300, 420], settled: [380, 520], driftPerYear: -2, noise: 25 }], true),
  ltc('copd', '13645005', 'Chronic obstructive lung disease', [0, 0.002, 0.015, 0.06, 0.08], 1, 40, ['salbutamol', 'beclometasone'],
    [{ observation: 'fev1fvc', atDiagnosis: [58, 68], settled: [55, 66], driftPerYear: -0.8, noise: 2 }], true, 'respiratory'),
  ltc('atrial-fibrillation', '49436004', 'Atrial fibrillation', [0, 0.001, 0.008, 0.06, 0.15], 0.7, 40, ['bisoprolol'],
    [{ observation: 'heartRate', atDiagnosis: [95, 130], settled: [65, 85], driftPerYear: 0, noise: 6 }], false, 'cardiology'),
  ltc('ischaemic-heart-disease', '414545008', 'Ischemic heart disease', [0, 0.001, 0.02, 0.09, 0.15], 0.55, 35, ['simvastatin', 'bisoprolol'],
    [{ observation: 'cholesterol', atDiagnosis: [5.2, 6.8], settled: [3.5, 4.5], driftPerYear: 0, noise: 0.4 }], true, 'cardiology'),
  ltc('heart-failure', '84114007', 'Heart failure', [0, 0.0005, 0.004, 0.025, 0.07], 0.8, 40, ['furosemide', 'ramipril5', 'bisoprolol', 'spironolactone'],
    [{ observation: 'weight', atDiagnosis: [70, 95], settled: [70, 95], driftPerYear: 0.5, noise: 2 }], true, 'cardiology'),
  ltc('chronic-kidney-disease', '433144002', 'Chronic kidney disease stage 3', [0, 0.003, 0.02, 0.1, 0.25], 1.2, 30, ['ramipril25'],
    [{ observation: 'egfr', atDiagnosis: [45, 59], settled: [40, 58], driftPerYear: -1.5, noise: 3 },
     { observation: 'potassium', atDiagnosis: [4.2, 5.0], settled: [4.0, 5.0], driftPerYear: 0, noise: 0.3 }], true, 'renal'),
  ltc('depression', '35489007', 'Depressive disorder', [0.01, 0.14, 0.15, 0.12, 0.1], 1.8, 13, [],
    [{ observation: 'phq9', atDiagnosis: [12, 20], settled: [4, 10], driftPerYear: 0, noise: 2 }]),
  ltc('hypothyroidism', '40930008', 'Hypothyroidism', [0.001, 0.015, 0.04, 0.07, 0.09], 4, 18, ['levothyroxine'],
    [{ observation: 'tsh', atDiagnosis: [6, 15], settled: [0.8, 3.5], driftPerYear: 0, noise: 0.5 }]),
  ltc('osteoarthritis', '396275006', 'Osteoarthritis', [0, 0.005, 0.08, 0.25, 0.35], 1.4, 40, ['paracetamol', 'ibuprofen']),
  ltc('stroke', '230690007', 'Cerebrovascular accident', [0, 0.002, 0.01, 0.04, 0.08], 0.9, 30, ['atorvastatin'], [], false, 'stroke'),
  ltc('dementia', '52448006', 'Dementia', [0, 0, 0.001, 0.02, 0.15], 1.5, 60, []),
  ltc('epilepsy', '84757009', 'Epilepsy', [0.005, 0.008, 0.009, 0.01, 0.01], 1, 1, [], [], false, 'neurology'),
  ltc('rheumatoid-arthritis', '69896004', 'Rheumatoid arthritis', [0, 0.003, 0.008, 0.015, 0.015], 2.5, 20, ['paracetamol'], [], false, 'rheumatology'),
  ltc('eczema', '24079001', 'Atopic dermatitis', [0.12, 0.04, 0.02, 0.015, 0.01], 1.1, 0, []),
  ltc('gord', '235595009', 'Gastroesophageal reflux disease', [0.005, 0.04, 0.08, 0.12, 0.12], 1, 18, []),
  ltc('migraine', '37796009', 'Migraine', [0.02, 0.08, 0.07, 0.03, 0.01], 2.5, 8, ['paracetamol']),
];

export interface AcuteCondition extends Concept {
  /** Relative frequency by age band. */
  weight: Band;
  medicine?: MedicineKey;
  /** Days until it resolves. */
  days: number;
  /** Vital signs taken at the consultation. */
  vitals: ObservationKey[];
}

const acute = (code: string, display: string, weight: Band, days: number, vitals: ObservationKey[] = [], medicine?: MedicineKey): AcuteCondition => ({ code, display, weight, days, vitals, medicine });

export const ACUTE_CONDITIONS: readonly AcuteCondition[] = [
  acute('54150009', 'Upper respiratory infection', [10, 6, 5, 4, 3], 10, ['temperature']),
  acute('10509002', 'Acute bronchitis', [3, 3, 3, 4, 4], 21, ['temperature', 'respiratoryRate', 'oxygenSaturation'], 'amoxicillin'),
  acute('65363002', 'Otitis media', [8, 1, 1, 0.5, 0.5], 7, ['temperature'], 'amoxicillin'),
  acute('17741008', 'Acute tonsillitis', [5, 3, 1, 0.5, 0.2], 7, ['temperature'], 'amoxicillin'),
  acute('68566005', 'Urinary tract infectious disease', [1, 4, 4, 5, 6], 7, ['temperature']),
  acute('25374005', 'Gastroenteritis', [5, 2, 1.5, 1.5, 2], 5, ['temperature', 'heartRate']),
  acute('9826008', 'Conjunctivitis', [4, 1, 1, 1, 1], 7),
  acute('15805002', 'Acute sinusitis', [0.5, 3, 3, 2, 1], 14, ['temperature']),
  acute('279039007', 'Low back pain', [0.2, 4, 5, 4, 3], 30, [], 'ibuprofen'),
  acute('128045006', 'Cellulitis', [0.5, 1, 1.5, 2, 3], 14, ['temperature', 'heartRate'], 'amoxicillin'),
  acute('385093006', 'Community acquired pneumonia', [0.5, 0.3, 0.5, 1.5, 3], 21, ['temperature', 'respiratoryRate', 'oxygenSaturation', 'heartRate'], 'azithromycin'),
  acute('840539006', 'COVID-19', [1, 2, 2, 2, 2], 14, ['temperature', 'oxygenSaturation']),
  acute('44465007', 'Sprain of ankle', [1, 2, 1, 0.5, 0.3], 28),
];

/** Reasons people attend A&E, with a share and the chance of admission. */
export const EMERGENCY_REASONS: readonly (Concept & { weight: Band; admit: number })[] = [
  { code: '29857009', display: 'Chest pain', weight: [0.3, 2, 4, 5, 4], admit: 0.3 },
  { code: '82271004', display: 'Injury of head', weight: [5, 2, 1, 1.5, 4], admit: 0.1 },
  { code: '44465007', display: 'Sprain of ankle', weight: [3, 3, 1.5, 0.5, 0.3], admit: 0 },
  { code: '21522001', display: 'Abdominal pain', weight: [2, 3, 3, 3, 3], admit: 0.25 },
  { code: '267036007', display: 'Dyspnea', weight: [1, 1, 2, 4, 6], admit: 0.4 },
  { code: '386661006', display: 'Fever', weight: [6, 1, 1, 1, 1], admit: 0.1 },
  { code: '161898004', display: 'Falls', weight: [1, 0.5, 0.5, 3, 8], admit: 0.3 },
];

export const PROCEDURES: Record<string, Concept & { clinic: string; minAge: number }> = {
  hip: { code: '52734007', display: 'Total replacement of hip', clinic: 'orthopaedics', minAge: 55 },
  knee: { code: '609588000', display: 'Total knee replacement', clinic: 'orthopaedics', minAge: 55 },
  cataract: { code: '54885007', display: 'Extraction of cataract', clinic: 'ophthalmology', minAge: 60 },
  colonoscopy: { code: '73761001', display: 'Colonoscopy', clinic: 'gastroenterology', minAge: 50 },
  appendicectomy: { code: '80146002', display: 'Excision of appendix', clinic: 'general-surgery', minAge: 5 },
};

/** Hospital specialties: SNOMED occupation of the consultant and UK Core PracticeSettingCode (treatment function). */
export const SPECIALTIES: Record<string, { role: Concept; setting: Concept }> = {
  cardiology: { role: { code: '17561000', display: 'Cardiologist' }, setting: { code: '320', display: 'Cardiology' } },
  diabetes: { role: { code: '61894003', display: 'Endocrinologist' }, setting: { code: '302', display: 'Endocrinology and Diabetes' } },
  renal: { role: { code: '11911009', display: 'Nephrologist' }, setting: { code: '361', display: 'Renal Medicine' } },
  respiratory: { role: { code: '309343006', display: 'Physician' }, setting: { code: '340', display: 'Respiratory Medicine' } },
  stroke: { role: { code: '56397003', display: 'Neurologist' }, setting: { code: '400', display: 'Neurology' } },
  neurology: { role: { code: '56397003', display: 'Neurologist' }, setting: { code: '400', display: 'Neurology' } },
  rheumatology: { role: { code: '45440000', display: 'Rheumatologist' }, setting: { code: '410', display: 'Rheumatology' } },
  orthopaedics: { role: { code: '22731001', display: 'Orthopedic surgeon' }, setting: { code: '110', display: 'Trauma and Orthopaedics' } },
  ophthalmology: { role: { code: '422234006', display: 'Ophthalmologist' }, setting: { code: '130', display: 'Ophthalmology' } },
  gastroenterology: { role: { code: '71838004', display: 'Gastroenterologist' }, setting: { code: '301', display: 'Gastroenterology' } },
  'general-surgery': { role: { code: '304292004', display: 'Surgeon' }, setting: { code: '100', display: 'General Surgery' } },
  emergency: { role: { code: '309294001', display: 'Accident and Emergency doctor' }, setting: { code: '180', display: 'Emergency Medicine' } },
};

export const ROLES = {
  gp: { code: '62247001', display: 'General practitioner' },
  nurse: { code: '224535009', display: 'Registered nurse' },
  communityNurse: { code: '224535009', display: 'Registered nurse' },
  pharmacist: { code: '46255001', display: 'Pharmacist' },
  physiotherapist: { code: '36682004', display: 'Physiotherapist' },
  socialWorker: { code: '106328005', display: 'Social worker' },
  paramedic: { code: '397897005', display: 'Paramedic' },
} satisfies Record<string, Concept>;

/** Encounter types (SNOMED) and classes (v3 ActCode). */
export const ENCOUNTER_TYPES = {
  gp: { code: '185345009', display: 'Encounter for symptom' },
  gpPhone: { code: '185317003', display: 'Telephone encounter' },
  review: { code: '390906007', display: 'Follow-up encounter' },
  check: { code: '410620009', display: 'Well child visit' },
  emergency: { code: '4525004', display: 'Emergency department patient visit' },
  emergencyAdmission: { code: '183452005', display: 'Emergency hospital admission' },
  electiveAdmission: { code: '8715000', display: 'Hospital admission, elective' },
  outpatient: { code: '11429006', display: 'Consultation' },
  immunisation: { code: '33879002', display: 'Administration of vaccine to produce active immunity' },
} satisfies Record<string, Concept>;

/** Vaccine products (SNOMED CT vaccine product concepts) on the UK routine schedule. */
export interface ScheduledDose extends Concept {
  /** Age at the dose, in days. */
  ageDays: number;
  dose: number;
  /** Only for people born on or after this year (when the programme began). */
  bornFrom: number;
  uptake: number;
  route: 'intramuscular' | 'oral' | 'nasal' | 'subcutaneous';
}

const WEEK = 7;
const YEAR = 365.25;
const dose = (code: string, display: string, ageDays: number, doseNumber: number, bornFrom: number, uptake: number, route: ScheduledDose['route'] = 'intramuscular'): ScheduledDose => ({ code, display, ageDays: Math.round(ageDays), dose: doseNumber, bornFrom, uptake, route });
const SIX_IN_ONE = ['871895005', 'Bordetella pertussis and Clostridium tetani and Corynebacterium diphtheriae and Haemophilus influenzae type B and Hepatitis B virus and Human poliovirus antigens only vaccine product'] as const;

export const CHILDHOOD_SCHEDULE: readonly ScheduledDose[] = [
  dose(...SIX_IN_ONE, 8 * WEEK, 1, 2017, 0.93),
  dose('1081000221109', 'Live attenuated Rotavirus antigen only vaccine product', 8 * WEEK, 1, 2013, 0.9, 'oral'),
  dose('1981000221108', 'Neisseria meningitidis serogroup B antigen only vaccine product', 8 * WEEK, 1, 2015, 0.92),
  dose(...SIX_IN_ONE, 12 * WEEK, 2, 2017, 0.92),
  dose('1801000221105', 'Streptococcus pneumoniae capsular polysaccharide antigen conjugated only vaccine product', 12 * WEEK, 1, 2006, 0.92),
  dose('1081000221109', 'Live attenuated Rotavirus antigen only vaccine product', 12 * WEEK, 2, 2013, 0.89, 'oral'),
  dose(...SIX_IN_ONE, 16 * WEEK, 3, 2017, 0.92),
  dose('1981000221108', 'Neisseria meningitidis serogroup B antigen only vaccine product', 16 * WEEK, 2, 2015, 0.9),
  dose('836500008', 'Haemophilus influenzae type B and Neisseria meningitidis serogroup C antigens only vaccine product', YEAR, 1, 2006, 0.9),
  dose('871831003', 'Measles morbillivirus and Mumps orthorubulavirus and Rubella virus antigens only vaccine product', YEAR, 1, 1988, 0.9, 'subcutaneous'),
  dose('1801000221105', 'Streptococcus pneumoniae capsular polysaccharide antigen conjugated only vaccine product', YEAR + 7, 2, 2006, 0.9),
  dose('1981000221108', 'Neisseria meningitidis serogroup B antigen only vaccine product', YEAR + 7, 3, 2015, 0.88),
  dose('871878002', 'Bordetella pertussis and Clostridium tetani and Corynebacterium diphtheriae and Human poliovirus antigens only vaccine product', 3.4 * YEAR, 1, 2001, 0.85),
  dose('871831003', 'Measles morbillivirus and Mumps orthorubulavirus and Rubella virus antigens only vaccine product', 3.4 * YEAR, 2, 1996, 0.85, 'subcutaneous'),
  dose('836379009', 'Human papillomavirus antigen-containing vaccine product', 12.5 * YEAR, 1, 1996, 0.75),
  dose('871837004', 'Clostridium tetani and Corynebacterium diphtheriae and Human poliovirus antigens only vaccine product', 14.2 * YEAR, 1, 1995, 0.8),
  dose('871873006', 'Neisseria meningitidis serogroup A, C, W135 and Y only vaccine product', 14.2 * YEAR, 1, 2001, 0.8),
];

export const ADULT_VACCINES = {
  influenza: { code: '1181000221105', display: 'Influenza virus antigen only vaccine product' },
  influenzaNasal: { code: '871768005', display: 'Influenza virus antigen only vaccine product in nasal dose form' },
  covid: { code: '1119349007', display: 'SARS-CoV-2 mRNA vaccine' },
  pneumococcal: { code: '836398006', display: 'Streptococcus pneumoniae antigen-containing vaccine product' },
  shingles: { code: '836495005', display: 'Human alphaherpesvirus 3 antigen-containing vaccine product' },
} satisfies Record<string, Concept>;

export const ROUTES: Record<string, Concept> = {
  intramuscular: { code: '78421000', display: 'Intramuscular route' },
  subcutaneous: { code: '34206005', display: 'Subcutaneous route' },
  oral: { code: '26643006', display: 'Oral route' },
  nasal: { code: '46713006', display: 'Nasal route' },
  inhaled: { code: '18679011000001101', display: 'Inhalation' },
};

/** Allergies: SNOMED substance, share among people with an allergy, typical reaction. */
export const ALLERGIES: readonly (Concept & { category: 'medication' | 'food' | 'environment'; weight: number; reaction: Concept; severity: 'mild' | 'moderate' | 'severe' })[] = [
  { code: '764146007', display: 'Penicillin', category: 'medication', weight: 40, reaction: { code: '126485001', display: 'Urticaria' }, severity: 'moderate' },
  { code: '372687004', display: 'Amoxicillin', category: 'medication', weight: 8, reaction: { code: '271807003', display: 'Eruption of skin' }, severity: 'mild' },
  { code: '387458008', display: 'Aspirin', category: 'medication', weight: 5, reaction: { code: '56018004', display: 'Wheezing' }, severity: 'moderate' },
  { code: '387207008', display: 'Ibuprofen', category: 'medication', weight: 5, reaction: { code: '271807003', display: 'Eruption of skin' }, severity: 'mild' },
  { code: '387494007', display: 'Codeine', category: 'medication', weight: 5, reaction: { code: '422587007', display: 'Nausea' }, severity: 'mild' },
  { code: '762952008', display: 'Peanut', category: 'food', weight: 10, reaction: { code: '39579001', display: 'Anaphylaxis' }, severity: 'severe' },
  { code: '44027008', display: 'Seafood', category: 'food', weight: 4, reaction: { code: '41291007', display: 'Angioedema' }, severity: 'moderate' },
  { code: '111088007', display: 'Latex', category: 'environment', weight: 4, reaction: { code: '126485001', display: 'Urticaria' }, severity: 'moderate' },
  { code: '260147004', display: 'House dust mite', category: 'environment', weight: 8, reaction: { code: '61582004', display: 'Allergic rhinitis' }, severity: 'mild' },
  { code: '256277009', display: 'Grass pollen', category: 'environment', weight: 11, reaction: { code: '61582004', display: 'Allergic rhinitis' }, severity: 'mild' },
];
