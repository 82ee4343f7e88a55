hostname ${name}
<#if httpIp == "10.0.2.2">
unclosed
