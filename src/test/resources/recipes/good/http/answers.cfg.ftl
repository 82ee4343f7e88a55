<#-- an answer file using every model name -->
server http://${httpIp}:${httpPort}/
key ${sshPublicKey}
host ${name}-${buildId}
<#if release??>release ${release}</#if>
password ${password}
