hostname ${name}
url http://${httpIp:${httpPort}/
