/**
 * The vendor's example answers, verbatim apart from abridged monikers (docs/foresight.md#openmetabase and the
 * OpenMonitoringWS page), for the client and codec tests.
 */
export const CONN = 'DPEAJGROMGHGGOAECDBOBOCJCPGMIIEEKJEBOPGBJKEJKAEH!M';
export const PROC = 'MGJFJPPOBBDDGOAECMABJPKINDGPEBIEBLJDEKDGIANBKOGK!M!S!BPIMOEODAPBBDDGOAEDHLCADLCMDDIJDCEGJPKIJEBEEOLAHIL';
export const VENDOR_ANSWERS = {
  json: {
    OpenMetabase: `{"OpenMetabaseResult":{"id":"${CONN}","sessKey":"394186","sessCookie":"C1","version":"166","defLocale":"1049","driver":"2"}}`,
    OpenBpmProcess: `{"OpenBpmProcessResult":{"id":{"id":"${PROC}"}}}`,
    GetProcessInstances:
      '{"GetProcessInstancesResult":{"operations":"1","list":{"it":{"key":"98037","startDate":"21.06.2024 08:27:14","comment":"","prms":"Branches = \'Large branches\'"}}}}',
    OpenMonitoringWS: '{\n "OpenMonitoringWSResult" :\n  {\n   "url" : "BPMMONID!{6386DAFD-2FB5-4E14-B5A2-569F41AD14A8}"\n  }\n}',
  },
  soap: {
    OpenMetabase:
      '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><OpenMetabaseResult xmlns="http://www.fsight.ru/PP.SOM.Som" xmlns:q1="http://www.fsight.ru/PP.SOM.Som" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
      `<id xmlns="">${CONN}</id><sessKey xmlns="">394186</sessKey><sessCookie xmlns="">C1</sessCookie><version xmlns="">166</version><defLocale xmlns="">1049</defLocale><driver xmlns="">2</driver></OpenMetabaseResult></soapenv:Body></soapenv:Envelope>`,
    OpenBpmProcess:
      '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><OpenBpmProcessResult xmlns="http://www.fsight.ru/PP.SOM.Som" xmlns:q1="http://www.fsight.ru/PP.SOM.Som" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
      `<id xmlns=""><id>${PROC}</id></id></OpenBpmProcessResult></soapenv:Body></soapenv:Envelope>`,
    GetProcessInstances:
      '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><GetProcessInstancesResult xmlns="http://www.fsight.ru/PP.SOM.Som" xmlns:q1="http://www.fsight.ru/PP.SOM.Som" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
      '<operations xmlns="">1</operations><list xmlns=""><it><key>98037</key><startDate>21.06.2024 08:27:14</startDate><comment /><prms>Branches = \'Large branches\'</prms></it></list></GetProcessInstancesResult></soapenv:Body></soapenv:Envelope>',
    OpenMonitoringWS: `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
<soapenv:Body>
<OpenMonitoringWSResult xmlns="http://www.fsight.ru/PP.SOM.Som" xmlns:q1="http://www.fsight.ru/PP.SOM.Som" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <url xmlns="">BPMMONID!{6386DAFD-2FB5-4E14-B5A2-569F41AD14A8}</url>  </OpenMonitoringWSResult>
  </soapenv:Body>
  </soapenv:Envelope>`,
  },
};

/**
 * GetBpmMonitoringWorkspace shaped like the vendor's example (docs/foresight.md#getbpmmonitoringworkspace tree, EN page for instance 98037): one
 * stage (`stages.it` an object), one step group, three steps (`steps.it` an array), state codes in `states.it`,
 * `instId` beside `proc`. Field values are abridged, the shape is the vendor's.
 */
const WORKSPACE_STEP = (i: number, state: string, type = 'ManualTask') =>
  ({ isEnabled: '1', name: `Step ${i}`, type, index: String(i), guid: `{0000000${i}-0000-0000-0000-000000000000}`, descr: '', roleId: 'PS-1-1', roleName: 'Operator', maxDur: { periodType: 'Day', amount: '1' }, id: `168714*0@0^${i}`, states: { it: state }, canChangeExec: '0' });
export const VENDOR_WORKSPACE = {
  json: JSON.stringify({
    GetBpmMonitoringWorkspaceResult: {
      proc: {
        name: 'Processing of applications',
        stages: {
          it: {
            stage: { name: 'Registration', index: '0', guid: '{AAAAAAAA-0000-0000-0000-000000000000}', id: '168714*0', states: { it: '2' } },
            gtwType: 'No_gateway',
            isCondActive: '0',
            stGroups: { it: { stGroup: { index: '0', guid: '{BBBBBBBB-0000-0000-0000-000000000000}' }, steps: { it: [WORKSPACE_STEP(0, '2'), WORKSPACE_STEP(1, '1'), WORKSPACE_STEP(2, '1', 'SubStart')] }, isDefaultFlow: '1' } },
          },
        },
      },
      instId: '{43347D17-DEC3-449B-81FF-ABD522F3909E}',
    },
  }),
  soap:
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><GetBpmMonitoringWorkspaceResult xmlns="http://www.fsight.ru/PP.SOM.Som" xmlns:q1="http://www.fsight.ru/PP.SOM.Som" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    '<proc xmlns=""><name>Processing of applications</name><stages><it><stage><name>Registration</name><index>0</index><guid>{AAAAAAAA-0000-0000-0000-000000000000}</guid><id>168714*0</id><states><it>2</it></states></stage>' +
    '<gtwType>No_gateway</gtwType><isCondActive>0</isCondActive><stGroups><it><stGroup><index>0</index><guid>{BBBBBBBB-0000-0000-0000-000000000000}</guid></stGroup><steps>' +
    [0, 1, 2]
      .map((i) => `<it><isEnabled>1</isEnabled><name>Step ${i}</name><type>${i === 2 ? 'SubStart' : 'ManualTask'}</type><index>${i}</index><guid>{0000000${i}-0000-0000-0000-000000000000}</guid><descr /><id>168714*0@0^${i}</id><states><it>${i === 0 ? 2 : 1}</it></states></it>`)
      .join('') +
    '</steps><isDefaultFlow>1</isDefaultFlow></it></stGroups></it></stages></proc><instId xmlns="">{43347D17-DEC3-449B-81FF-ABD522F3909E}</instId></GetBpmMonitoringWorkspaceResult></soapenv:Body></soapenv:Envelope>',
};
