# installed by the tiny-linux recipe's file provisioner
export PS1='\h:\w\$ '
