hostname ${name}
url http://${httpIp
next line
