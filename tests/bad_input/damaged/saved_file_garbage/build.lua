function main(urd) print(urd:peek_latest('l').joblist:get('m'):load('data')) end
