/**
 * Population tables: the age pyramid, ethnicity, names and places. Weights are approximate shares
 * from public ONS sources (mid-2021 population estimates by five-year age band; Census 2021
 * ethnic group, England and Wales; ONS baby-name and surname frequency lists), rounded.
 */

/** [lowest age, highest age, percent of the UK population] — ONS mid-2021, rounded. */
export const AGE_PYRAMID: readonly (readonly [number, number, number])[] = [
  [0, 4, 5.4], [5, 9, 5.9], [10, 14, 6.0], [15, 19, 5.6], [20, 24, 6.0], [25, 29, 6.6],
  [30, 34, 6.9], [35, 39, 6.7], [40, 44, 6.3], [45, 49, 6.4], [50, 54, 6.9], [55, 59, 6.8],
  [60, 64, 5.9], [65, 69, 5.1], [70, 74, 5.0], [75, 79, 3.6], [80, 84, 2.5], [85, 89, 1.5], [90, 99, 0.9],
];

/** Share of women by age band end (older bands are more female). */
export function femaleShare(age: number): number {
  if (age >= 90) return 0.68;
  if (age >= 85) return 0.62;
  if (age >= 75) return 0.56;
  return 0.505;
}

/** UK Core EthnicCategoryEngland codes with Census 2021 (England and Wales) percentages. */
export const ETHNICITY: readonly (readonly [string, string, number, NameGroup])[] = [
  ['A', 'White - British', 74.4, 'british'],
  ['B', 'White - Irish', 0.9, 'irish'],
  ['C', 'White - Any other White background', 6.2, 'eastern-european'],
  ['D', 'Mixed - White and Black Caribbean', 0.8, 'british'],
  ['E', 'Mixed - White and Black African', 0.4, 'british'],
  ['F', 'Mixed - White and Asian', 0.8, 'british'],
  ['G', 'Mixed - Any other mixed background', 0.8, 'british'],
  ['H', 'Asian or Asian British - Indian', 3.1, 'south-asian'],
  ['J', 'Asian or Asian British - Pakistani', 2.7, 'south-asian'],
  ['K', 'Asian or Asian British - Bangladeshi', 1.1, 'south-asian'],
  ['L', 'Asian or Asian British - Any other Asian background', 1.6, 'south-asian'],
  ['M', 'Black or Black British - Caribbean', 1.0, 'british'],
  ['N', 'Black or Black British - African', 2.5, 'west-african'],
  ['P', 'Black or Black British - Any other Black background', 0.5, 'british'],
  ['R', 'Other Ethnic Groups - Chinese', 0.7, 'chinese'],
  ['S', 'Other Ethnic Groups - Any other ethnic group', 1.6, 'british'],
  ['Z', 'Not stated', 1.5, 'british'],
];

export type NameGroup = 'british' | 'irish' | 'eastern-european' | 'south-asian' | 'west-african' | 'chinese';

export interface NameTable {
  family: readonly (readonly [string, number])[];
  male: readonly (readonly [string, number])[];
  female: readonly (readonly [string, number])[];
}

const w = (names: string, top = 30): [string, number][] => names.split(' ').map((n, i) => [n, Math.max(1, top - i)]);

/** Given names by era: people born before 1975 and after. */
const BRITISH_MALE_OLDER = w('John David Michael Peter Robert Paul Stephen Richard Christopher Andrew Mark Ian Alan Brian Kevin Gary Anthony Martin Keith Colin Graham Philip Geoffrey Roger Trevor Derek Barry Kenneth Raymond Malcolm Terence Dennis Ronald Norman Leslie Stuart Nigel Neil Simon Timothy');
const BRITISH_FEMALE_OLDER = w('Susan Margaret Patricia Elizabeth Linda Christine Janet Carol Julie Karen Sandra Jacqueline Barbara Pauline Ann Jean Gillian Valerie Brenda Maureen Sheila Helen Deborah Lesley Elaine Diane Angela Joan Dorothy Irene Wendy Denise Marion Kathleen Joyce Sylvia Rosemary Hazel Shirley');
const BRITISH_MALE_YOUNGER = w('Oliver Jack Harry George Noah Charlie Jacob Thomas Oscar William James Leo Alfie Joshua Henry Freddie Archie Ethan Daniel Samuel Joseph Max Lucas Logan Isaac Adam Ryan Liam Luke Matthew Callum Jamie Lewis Connor Kieran Ben Dylan Tyler Nathan Aaron');
const BRITISH_FEMALE_YOUNGER = w('Olivia Amelia Isla Ava Emily Sophie Grace Lily Mia Isabella Ella Poppy Jessica Charlotte Evie Freya Chloe Ruby Sophia Daisy Emma Hannah Lucy Laura Rebecca Sarah Amy Megan Holly Lauren Katie Rachel Jade Abigail Georgia Zoe Eleanor Alice Phoebe Millie');
const BRITISH_FAMILY = w('Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan Marshall Anderson Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Ali Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell Barker Fisher Stevens Jenkins', 100);

export const NAMES: Record<NameGroup, { older: NameTable; younger: NameTable }> = {
  british: {
    older: { family: BRITISH_FAMILY, male: BRITISH_MALE_OLDER, female: BRITISH_FEMALE_OLDER },
    younger: { family: BRITISH_FAMILY, male: BRITISH_MALE_YOUNGER, female: BRITISH_FEMALE_YOUNGER },
  },
  irish: sameForBoth({
    family: w('Murphy Kelly OBrien Ryan Walsh Byrne OConnor Doyle McCarthy Gallagher Kennedy Lynch Murray Quinn Moore McLoughlin Carroll Connolly Daly Connell'),
    male: w('Sean Patrick Michael John Conor Ciaran Declan Brendan Eoin Liam Niall Padraig Cormac Kieran Aidan'),
    female: w('Siobhan Mary Aoife Niamh Ciara Sinead Orla Roisin Maeve Grainne Bridget Catherine Deirdre Aisling Fiona'),
  }),
  'eastern-european': sameForBoth({
    family: w('Nowak Kowalski Wisniewski Wojcik Kowalczyk Kaminski Lewandowski Zielinski Szymanski Wozniak Popescu Ionescu Kazlauskas Petrov Horvath Novak'),
    male: w('Piotr Krzysztof Tomasz Pawel Marcin Michal Jakub Andrzej Lukasz Adrian Mihai Andrei Tomas Jonas Lukas'),
    female: w('Anna Katarzyna Agnieszka Magdalena Joanna Monika Ewa Marta Natalia Alicja Ioana Elena Ruta Zuzana Kristina'),
  }),
  'south-asian': sameForBoth({
    family: w('Patel Khan Ahmed Ali Hussain Begum Singh Shah Rahman Iqbal Akhtar Mahmood Kaur Sharma Islam Uddin Miah Chowdhury Gill Sandhu Kumar Mistry Parmar Malik Aziz'),
    male: w('Mohammed Muhammad Ahmed Ali Imran Amir Arjun Ravi Rajesh Sanjay Harpreet Gurpreet Zain Hamza Yusuf Ibrahim Omar Rohan Vikram Aarav Bilal Tariq Faisal Kabir Ayaan'),
    female: w('Fatima Aisha Ayesha Priya Anjali Sunita Nadia Zara Amira Maryam Simran Harleen Sana Noor Hafsa Layla Inaya Asha Kiran Parveen Shabana Nazia Meera Divya Rukhsana'),
  }),
  'west-african': sameForBoth({
    family: w('Okafor Adeyemi Mensah Owusu Boateng Asante Okonkwo Adebayo Oyelaran Afolabi Nwosu Osei Appiah Eze Danso Bello Mohamed Abdi Hassan Olaniyan'),
    male: w('Oluwaseun Chinedu Kwame Kofi Emeka Tunde Ade Samuel David Daniel Emmanuel Joseph Abdi Ibrahim Yaw Femi Chukwuma Segun Obinna Kwabena'),
    female: w('Abena Ama Chioma Ngozi Funmilayo Adaeze Grace Blessing Esther Mercy Faith Joy Amina Hodan Yetunde Folake Efua Akosua Temitope Nneka'),
  }),
  chinese: sameForBoth({
    family: w('Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Lin Guo He Gao Luo Wong Chan Cheung Lam Ng'),
    male: w('Wei Jun Hao Yi Jie Ming Lei Tao Jian Bo Kai Hong Yang Chen Long'),
    female: w('Mei Li Xin Ying Jing Yan Hui Lan Fang Na Ting Yu Xiao Ling Qing'),
  }),
};

function sameForBoth(t: NameTable): { older: NameTable; younger: NameTable } {
  return { older: t, younger: t };
}

/** Familiar forms used for duplicate records ("the same person, typed differently"). */
export const NICKNAMES: Record<string, string> = {
  John: 'Jon', David: 'Dave', Michael: 'Mike', Peter: 'Pete', Robert: 'Bob', Stephen: 'Steve', Richard: 'Rick',
  Christopher: 'Chris', Andrew: 'Andy', Anthony: 'Tony', Kenneth: 'Ken', Raymond: 'Ray', Terence: 'Terry', Ronald: 'Ron',
  Timothy: 'Tim', Thomas: 'Tom', William: 'Will', James: 'Jim', Joseph: 'Joe', Samuel: 'Sam', Daniel: 'Dan', Matthew: 'Matt',
  Benjamin: 'Ben', Margaret: 'Maggie', Patricia: 'Pat', Elizabeth: 'Liz', Susan: 'Sue', Jacqueline: 'Jackie', Deborah: 'Debbie',
  Catherine: 'Cathy', Kathleen: 'Kath', Rebecca: 'Becky', Jessica: 'Jess', Charlotte: 'Lottie', Isabella: 'Bella', Eleanor: 'Ellie',
  Abigail: 'Abbie', Christine: 'Chris', Barbara: 'Babs', Dorothy: 'Dot', Valerie: 'Val', Gillian: 'Jill', Alexander: 'Alex',
};

export interface Town {
  name: string;
  /** Postcode area and the districts used for it. */
  area: string;
  districts: readonly number[];
  /** Ofcom's drama range for the town: a prefix ending in a space takes 0000–0999, '01632 960' (no local range) takes 000–999. */
  landline: string;
  county: string;
}

export interface Region {
  name: string;
  /** Share of England's population (%). */
  weight: number;
  /** The first letter of GP practice codes in this region (ODS national groupings). */
  gpLetter: string;
  towns: readonly Town[];
}

const t = (name: string, area: string, districts: number[], landline: string, county: string): Town => ({ name, area, districts, landline, county });
const NO_DRAMA = '01632 960';

/** NHS England regions with towns, postcode areas and Ofcom drama telephone ranges (reserved for fiction). */
export const REGIONS: readonly Region[] = [
  { name: 'North East and Yorkshire', weight: 14.7, gpLetter: 'B', towns: [
    t('LEEDS', 'LS', [1, 2, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17], '0113 496 ', 'WEST YORKSHIRE'),
    t('SHEFFIELD', 'S', [1, 2, 3, 5, 6, 7, 8, 10, 11, 12, 13], '0114 496 ', 'SOUTH YORKSHIRE'),
    t('NEWCASTLE UPON TYNE', 'NE', [1, 2, 3, 4, 5, 6, 7, 12, 15], '0191 498 ', 'TYNE AND WEAR'),
    t('YORK', 'YO', [1, 10, 23, 24, 26, 30, 31, 32], NO_DRAMA, 'NORTH YORKSHIRE'),
    t('BRADFORD', 'BD', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], NO_DRAMA, 'WEST YORKSHIRE'),
  ] },
  { name: 'North West', weight: 13.1, gpLetter: 'P', towns: [
    t('MANCHESTER', 'M', [1, 4, 8, 9, 11, 12, 13, 14, 15, 16, 19, 20, 21, 22, 23, 40], '0161 496 ', 'GREATER MANCHESTER'),
    t('LIVERPOOL', 'L', [1, 4, 6, 7, 8, 9, 11, 12, 13, 15, 17, 18, 19, 25], '0151 496 ', 'MERSEYSIDE'),
    t('PRESTON', 'PR', [1, 2, 3, 4, 5], NO_DRAMA, 'LANCASHIRE'),
    t('BOLTON', 'BL', [1, 2, 3, 4, 5, 6], NO_DRAMA, 'GREATER MANCHESTER'),
  ] },
  { name: 'Midlands', weight: 19.1, gpLetter: 'M', towns: [
    t('BIRMINGHAM', 'B', [1, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 20, 21, 23, 24, 26, 27, 28, 29, 30, 31, 32, 33, 34, 42, 44], '0121 496 ', 'WEST MIDLANDS'),
    t('NOTTINGHAM', 'NG', [1, 2, 3, 5, 6, 7, 8, 9, 10, 11], '0115 496 ', 'NOTTINGHAMSHIRE'),
    t('LEICESTER', 'LE', [1, 2, 3, 4, 5, 18], '0116 496 ', 'LEICESTERSHIRE'),
    t('COVENTRY', 'CV', [1, 2, 3, 4, 5, 6], NO_DRAMA, 'WEST MIDLANDS'),
    t('DERBY', 'DE', [1, 3, 21, 22, 23, 24], NO_DRAMA, 'DERBYSHIRE'),
  ] },
  { name: 'East of England', weight: 11.2, gpLetter: 'D', towns: [
    t('CAMBRIDGE', 'CB', [1, 2, 3, 4, 5], NO_DRAMA, 'CAMBRIDGESHIRE'),
    t('NORWICH', 'NR', [1, 2, 3, 4, 5, 6, 7], NO_DRAMA, 'NORFOLK'),
    t('IPSWICH', 'IP', [1, 2, 3, 4, 5], NO_DRAMA, 'SUFFOLK'),
    t('LUTON', 'LU', [1, 2, 3, 4], NO_DRAMA, 'BEDFORDSHIRE'),
  ] },
  { name: 'London', weight: 15.5, gpLetter: 'F', towns: [
    t('LONDON', 'E', [1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17], '020 7946 ', 'GREATER LONDON'),
    t('LONDON', 'N', [1, 4, 5, 7, 8, 9, 10, 11, 13, 15, 16, 17, 18, 19, 22], '020 7946 ', 'GREATER LONDON'),
    t('LONDON', 'SE', [1, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 18, 22, 23, 25, 27], '020 7946 ', 'GREATER LONDON'),
    t('LONDON', 'SW', [2, 4, 6, 8, 9, 11, 12, 15, 16, 17, 18, 19], '020 7946 ', 'GREATER LONDON'),
    t('LONDON', 'NW', [1, 2, 3, 5, 6, 9, 10], '020 7946 ', 'GREATER LONDON'),
  ] },
  { name: 'South East', weight: 16.3, gpLetter: 'H', towns: [
    t('READING', 'RG', [1, 2, 4, 5, 6, 30, 31], '0118 496 ', 'BERKSHIRE'),
    t('BRIGHTON', 'BN', [1, 2, 3, 41], NO_DRAMA, 'EAST SUSSEX'),
    t('OXFORD', 'OX', [1, 2, 3, 4], NO_DRAMA, 'OXFORDSHIRE'),
    t('SOUTHAMPTON', 'SO', [14, 15, 16, 17, 18, 19], NO_DRAMA, 'HAMPSHIRE'),
    t('MAIDSTONE', 'ME', [14, 15, 16], NO_DRAMA, 'KENT'),
  ] },
  { name: 'South West', weight: 10.1, gpLetter: 'L', towns: [
    t('BRISTOL', 'BS', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 14, 15, 16], '0117 496 ', 'CITY OF BRISTOL'),
    t('EXETER', 'EX', [1, 2, 4], NO_DRAMA, 'DEVON'),
    t('PLYMOUTH', 'PL', [1, 2, 3, 4, 5, 6, 7], NO_DRAMA, 'DEVON'),
    t('BATH', 'BA', [1, 2], NO_DRAMA, 'SOMERSET'),
  ] },
];

/** Letters allowed in the last two characters of a postcode (no C, I, K, M, O or V). */
export const POSTCODE_UNIT_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';

export const STREET_NAMES = [
  'High', 'Station', 'Main', 'Park', 'Church', 'London', 'Victoria', 'Green', 'Manor', 'Kings', 'Queens', 'Grange', 'Mill',
  'New', 'School', 'Albert', 'York', 'Chapel', 'North', 'South', 'West', 'East', 'Windsor', 'Springfield', 'Highfield', 'Oak',
  'Elm', 'Beech', 'Willow', 'Meadow', 'Alexandra', 'Stanley', 'Richmond', 'Cromwell', 'Nelson', 'Trinity', 'Brook', 'Hill',
  'Orchard', 'Cedar', 'Ash', 'Holly', 'Rose', 'St Johns', 'St Marys', 'Clarence', 'Princes', 'Mount', 'Belmont', 'Moor',
] as const;
export const STREET_KINDS = ['Road', 'Street', 'Lane', 'Avenue', 'Close', 'Drive', 'Crescent', 'Way', 'Gardens', 'Grove', 'Terrace', 'Place', 'Court', 'View', 'Walk'] as const;

/** UK Core PersonMaritalStatusEngland codes for adults, by rough share. */
export const MARITAL_STATUS: readonly (readonly [string, string, number])[] = [
  ['M', 'Married/Civil Partner', 46],
  ['S', 'Single', 35],
  ['D', 'Divorced/Person whose Civil Partnership has been dissolved', 8],
  ['W', 'Widowed/Surviving Civil Partner', 6],
  ['P', 'Separated', 2],
  ['N', 'Not disclosed', 3],
];

export const PRACTICE_NAME_PARTS = {
  first: ['Oakwood', 'Riverside', 'Parkview', 'Beechwood', 'Meadowbank', 'Elmhurst', 'Larchfield', 'Hollybrook', 'Ashgrove', 'Woodlands', 'Brookside', 'Hillcrest', 'Millbrook', 'Fairfield', 'Greenway', 'Kingsmead', 'Abbey', 'Priory', 'Castle', 'Westgate', 'Northgate', 'Eastfield', 'Southview', 'Moorland', 'Valley'],
  second: ['Medical Centre', 'Surgery', 'Health Centre', 'Medical Practice', 'Family Practice', 'Group Practice'],
};
