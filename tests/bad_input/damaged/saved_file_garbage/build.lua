function main(urd) print(urd:build('m'):load('data')) end
