/** The airports the VATSIM-like generator and live writer use. */

/** An airport the generator knows: code, name, position, region. */
export interface Airport {
  readonly icao: string;
  readonly name: string;
  readonly lat: number;
  readonly lon: number;
  readonly region: string;
}

/** Real airports, busiest first (the collector's Australian set plus the network's hubs). */
export const AIRPORTS: readonly Airport[] = [
  { icao: 'YBBN', name: 'Brisbane Airport', lat: -27.3842, lon: 153.1175, region: 'Australia' },
  { icao: 'YSSY', name: 'Sydney Airport', lat: -33.9399, lon: 151.1753, region: 'Australia' },
  { icao: 'YMML', name: 'Melbourne Airport', lat: -37.8136, lon: 144.9631, region: 'Australia' },
  { icao: 'YPPH', name: 'Perth Airport', lat: -31.9404, lon: 115.967, region: 'Australia' },
  { icao: 'YBCS', name: 'Cairns Airport', lat: -16.8858, lon: 145.7553, region: 'Australia' },
  { icao: 'YPDN', name: 'Darwin Airport', lat: -12.4147, lon: 130.8727, region: 'Australia' },
  { icao: 'YSCB', name: 'Canberra Airport', lat: -35.3069, lon: 149.195, region: 'Australia' },
  { icao: 'YBCG', name: 'Gold Coast Airport', lat: -28.1644, lon: 153.5047, region: 'Australia' },
  { icao: 'YBAF', name: 'Archerfield Airport', lat: -27.5703, lon: 153.0081, region: 'Australia' },
  { icao: 'EGLL', name: 'London Heathrow', lat: 51.4706, lon: -0.461941, region: 'Europe' },
  { icao: 'LOWW', name: 'Vienna International', lat: 48.1103, lon: 16.5697, region: 'Europe' },
  { icao: 'EHAM', name: 'Amsterdam Schiphol', lat: 52.3086, lon: 4.76389, region: 'Europe' },
  { icao: 'OTHH', name: 'Hamad International', lat: 25.2731, lon: 51.6081, region: 'Middle East' },
  { icao: 'EDDM', name: 'Munich Airport', lat: 48.3538, lon: 11.7861, region: 'Europe' },
  { icao: 'EGKK', name: 'London Gatwick', lat: 51.1481, lon: -0.190278, region: 'Europe' },
  { icao: 'OMDB', name: 'Dubai International', lat: 25.2528, lon: 55.3644, region: 'Middle East' },
  { icao: 'EDDK', name: 'Cologne Bonn', lat: 50.8659, lon: 7.14274, region: 'Europe' },
  { icao: 'EDDS', name: 'Stuttgart Airport', lat: 48.6899, lon: 9.22196, region: 'Europe' },
  { icao: 'EGCC', name: 'Manchester Airport', lat: 53.3537, lon: -2.27495, region: 'Europe' },
  { icao: 'LSZH', name: 'Zurich Airport', lat: 47.4647, lon: 8.54917, region: 'Europe' },
  { icao: 'EDDF', name: 'Frankfurt am Main', lat: 50.0333, lon: 8.57056, region: 'Europe' },
  {
    icao: 'KJFK',
    name: 'John F Kennedy International',
    lat: 40.6398,
    lon: -73.7789,
    region: 'North America',
  },
  { icao: 'KLAX', name: 'Los Angeles International', lat: 33.9425, lon: -118.408, region: 'North America' },
  { icao: 'KATL', name: 'Hartsfield Jackson Atlanta', lat: 33.6367, lon: -84.4281, region: 'North America' },
  { icao: 'CYYZ', name: 'Toronto Pearson', lat: 43.6772, lon: -79.6306, region: 'North America' },
  { icao: 'SBGL', name: 'Rio Galeao', lat: -22.81, lon: -43.2506, region: 'South America' },
  { icao: 'SBSP', name: 'Sao Paulo Congonhas', lat: -23.6261, lon: -46.6564, region: 'South America' },
  { icao: 'RJTT', name: 'Tokyo Haneda', lat: 35.5523, lon: 139.78, region: 'Asia' },
  { icao: 'VHHH', name: 'Hong Kong International', lat: 22.3089, lon: 113.915, region: 'Asia' },
  { icao: 'WSSS', name: 'Singapore Changi', lat: 1.35019, lon: 103.994, region: 'Asia' },
  { icao: 'ZUUU', name: 'Chengdu Shuangliu', lat: 30.5785, lon: 103.947, region: 'Asia' },
  { icao: 'UUEE', name: 'Moscow Sheremetyevo', lat: 55.9726, lon: 37.4146, region: 'Europe' },
  { icao: 'FACT', name: 'Cape Town International', lat: -33.9648, lon: 18.6017, region: 'Africa' },
  { icao: 'NZAA', name: 'Auckland Airport', lat: -37.0081, lon: 174.792, region: 'Oceania' },
];
